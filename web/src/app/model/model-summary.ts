// The facts of a model's card, read from its GGUF-form metadata and tensor list.
import type { ModelSource } from '../../core/engine/model-source.ts';
import type { GgufKV, GgufValue } from '../../core/formats/gguf/model.ts';
import { ggmlType } from '../../core/quant/ggml-types.ts';
import { fileTypeName } from './file-type-names.ts';

export interface TypeShare {
  /** ggml type name, e.g. "f16" */
  readonly type: string;
  readonly tensors: number;
  readonly bytes: number;
}

export interface ModelSummary {
  readonly name: string | undefined;
  readonly architecture: string | undefined;
  readonly parameters: number;
  readonly contextLength: number | undefined;
  readonly layers: number | undefined;
  readonly vocabularySize: number | undefined;
  /** source tensor types, largest share first */
  readonly typeMix: readonly TypeShare[];
  readonly tensorCount: number;
  readonly fileSize: number;
  readonly format: ModelSource['format'];
  /** general.file_type by name ("Q4_K_M"), when the file says */
  readonly fileType: string | undefined;
}

export function summarizeModel(source: ModelSource): ModelSummary {
  const kv = new Map(source.metadata.map((e) => [e.key, e]));
  const text = (key: string) => {
    const v = kv.get(key)?.value;
    return typeof v === 'string' ? v : undefined;
  };
  const int = (key: string) => {
    const v = kv.get(key)?.value;
    return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
  };
  const arch = text('general.architecture');
  const tokens = kv.get('tokenizer.ggml.tokens')?.value;
  const vocab = isArray(tokens) ? tokens.items.length : arch ? int(`${arch}.vocab_size`) : undefined;

  const mix = new Map<string, { tensors: number; bytes: number }>();
  let parameters = 0;
  for (const t of source.tensors) {
    parameters += t.shape.reduce((a, b) => a * b, 1);
    const name = ggmlType(t.type)?.name ?? `type ${t.type}`;
    const m = mix.get(name) ?? { tensors: 0, bytes: 0 };
    m.tensors++;
    m.bytes += t.byteLength;
    mix.set(name, m);
  }

  return {
    name: text('general.name'),
    architecture: arch,
    parameters,
    contextLength: arch ? int(`${arch}.context_length`) : undefined,
    layers: arch ? int(`${arch}.block_count`) : undefined,
    vocabularySize: vocab,
    typeMix: [...mix].map(([type, m]) => ({ type, ...m })).sort((a, b) => b.bytes - a.bytes),
    tensorCount: source.tensors.length,
    fileSize: source.sizeBytes,
    format: source.format,
    fileType: int('general.file_type') !== undefined ? fileTypeName(int('general.file_type')!) : undefined,
  };
}

function isArray(v: GgufValue | undefined): v is Extract<GgufValue, { items: unknown }> {
  return typeof v === 'object' && v !== null && 'items' in v;
}

/** How many items a metadata entry holds (1 for a scalar). */
export function itemCount(e: GgufKV): number {
  return isArray(e.value) ? e.value.items.length : 1;
}

/**
 * A metadata value as plain text for the table. Arrays show their first items and their length, so a
 * 150k-token vocabulary does not become a 150k-row string. The caller renders this as text, never as HTML.
 */
export function describeValue(value: GgufValue, maxItems = 8): string {
  if (isArray(value)) {
    const shown = value.items.slice(0, maxItems).map((v) => describeValue(v, 3));
    const more = value.items.length > maxItems ? `, … (${value.items.length} items)` : '';
    return `[${shown.join(', ')}${more}]`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
