// `quantsmith inspect`: the metadata and the tensor table of a model, as plain text.
import type { GgufValue } from '../core/formats/gguf/model.ts';
import { GgufValueType } from '../core/formats/gguf/model.ts';
import { ggmlType } from '../core/quant/ggml-types.ts';
import type { ModelSource } from '../core/engine/model-source.ts';
import { formatBytes } from './format.ts';

const MAX_ARRAY_ITEMS = 8;
const MAX_STRING = 120;

export function describeValue(value: GgufValue): string {
  if (typeof value === 'string') {
    const oneLine = JSON.stringify(value);
    return oneLine.length > MAX_STRING ? `${oneLine.slice(0, MAX_STRING)}…" (${value.length} chars)` : oneLine;
  }
  if (typeof value === 'object') {
    const shown = value.items.slice(0, MAX_ARRAY_ITEMS).map(describeValue).join(', ');
    const more = value.items.length > MAX_ARRAY_ITEMS ? `, … ${value.items.length} items` : '';
    return `[${shown}${more}]`;
  }
  return String(value);
}

export function typeLabel(type: GgufValueType, value: GgufValue): string {
  const name = GgufValueType[type]?.toLowerCase() ?? `type ${type}`;
  if (typeof value === 'object' && type === GgufValueType.ARRAY) {
    return `array<${GgufValueType[value.itemType]?.toLowerCase() ?? value.itemType}>`;
  }
  return name;
}

export function inspectText(source: ModelSource): string {
  const lines: string[] = [];
  lines.push(`${source.name}: ${source.format}, ${formatBytes(source.sizeBytes)}, ${source.metadata.length} metadata keys, ${source.tensors.length} tensors`);
  lines.push('');
  lines.push('metadata:');
  const keyWidth = Math.min(48, Math.max(...source.metadata.map((kv) => kv.key.length), 3));
  for (const kv of source.metadata) {
    lines.push(`  ${kv.key.padEnd(keyWidth)}  ${typeLabel(kv.type, kv.value).padEnd(14)}  ${describeValue(kv.value)}`);
  }
  lines.push('');
  lines.push('tensors:');
  const nameWidth = Math.max(...source.tensors.map((t) => t.name.length), 4);
  lines.push(`  ${'name'.padEnd(nameWidth)}  ${'shape'.padEnd(24)}  ${'type'.padEnd(8)}  bytes`);
  let params = 0;
  for (const t of source.tensors) {
    params += t.shape.reduce((a, b) => a * b, 1);
    const type = ggmlType(t.type)?.name ?? `type ${t.type}`;
    lines.push(`  ${t.name.padEnd(nameWidth)}  ${`[${t.shape.join(', ')}]`.padEnd(24)}  ${type.padEnd(8)}  ${t.byteLength}`);
  }
  lines.push('');
  lines.push(`${source.tensors.length} tensors, ${params.toLocaleString('en-US')} parameters`);
  return lines.join('\n');
}
