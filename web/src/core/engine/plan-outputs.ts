// Everything about an output that is known before a byte of tensor data is read: each tensor's type,
// the metadata, every offset, and so the exact file size (the figure the UI and --dry-run show).
import { computeGgufLayout, encodeGgufHeader, type GgufLayout } from '../formats/gguf/writer.ts';
import { planQuantization } from '../quant/plan.ts';
import type { QuantizeOptions } from '../quant/options.ts';
import type { PlannedOutput } from './api.ts';
import type { ModelSource } from './model-source.ts';

export interface PlannedLayout extends PlannedOutput {
  readonly layout: GgufLayout;
  readonly alignment: number;
}

export function planOutput(source: ModelSource, options: QuantizeOptions): PlannedLayout {
  const plan = planQuantization({ metadata: source.metadata, tensors: source.tensors }, options);
  const layout = computeGgufLayout({
    metadata: plan.metadata,
    tensors: plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.outputType })),
  });
  return { plan, layout, size: layout.fileSize, alignment: layout.alignment };
}

export function encodeOutputHeader(planned: PlannedLayout): Uint8Array {
  return encodeGgufHeader(planned.layout);
}
