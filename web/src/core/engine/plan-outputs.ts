// Everything about an output that is known before a byte of tensor data is read: each tensor's type,
// the metadata, every offset, and so the exact file size (the figure the UI and --dry-run show).
import { computeGgufLayout, encodeGgufHeader, type GgufLayout } from '../formats/gguf/writer.ts';
import { parseFtype } from '../quant/ftypes.ts';
import { optionIsSet, QUANTIZE_OPTION_TABLE } from '../quant/option-table.ts';
import { planQuantization, type PlannedTensor, type QuantPlan } from '../quant/plan.ts';
import type { QuantizeOptions } from '../quant/options.ts';
import type { PlannedOutput } from './api.ts';
import type { ConvertedModel, FloatOuttype, ModelSource } from './model-source.ts';
import { shardOutput, type OutputShard } from './output-shards.ts';

export interface PlannedLayout extends PlannedOutput {
  /** the (first) file's layout */
  readonly layout: GgufLayout;
  /** the files the output is written as, in order (one unless split); `size` is their sum */
  readonly shards: readonly OutputShard[];
  readonly namedAsShards: boolean;
  readonly alignment: number;
  /** true: the converter's file for a float type (no quantizer pass); its tensor order is the source's */
  readonly conversion: boolean;
}

const FLOAT_OUTTYPES: ReadonlySet<string> = new Set<FloatOuttype>(['F32', 'F16', 'BF16']);

export function planOutput(source: ModelSource, options: QuantizeOptions): PlannedLayout {
  const conversion = plainConversion(source, options);
  const plan = conversion ? conversionPlan(source, conversion, options) : planQuantization(source, options);
  const { shards, namedAsShards } = shardOutput(plan, options);
  const layout = shards[0].layout;
  const size = shards.reduce((n, s) => n + s.layout.fileSize, 0);
  return { plan, layout, shards, namedAsShards, size, alignment: layout.alignment, conversion: conversion !== undefined };
}

/** The header of the shard that starts at tensor `tensorIndex`, or undefined when none starts there. */
export function shardHeaderAt(planned: PlannedLayout, tensorIndex: number): Uint8Array | undefined {
  const shard = planned.shards.find((s) => s.firstTensor === tensorIndex);
  return shard ? encodeGgufHeader(shard.layout) : undefined;
}

/**
 * A float type asked of a source that is converted on the fly, with no quantizer option, is a plain
 * conversion: the file llama.cpp's converter writes with that --outtype. Any quantizer option (overrides,
 * output/embedding types, pure…) asks for llama-quantize's pass over the converted model instead.
 */
function plainConversion(source: ModelSource, options: QuantizeOptions): ConvertedModel | undefined {
  if (!source.convertedAs) return undefined;
  const name = parseFtype(options.ftype).name;
  if (!FLOAT_OUTTYPES.has(name)) return undefined;
  const quantizerOptions = QUANTIZE_OPTION_TABLE.some((r) => r.needsQuantizerPass && optionIsSet(options[r.field]));
  return quantizerOptions ? undefined : source.convertedAs(name as FloatOuttype);
}

function conversionPlan(source: ModelSource, converted: ConvertedModel, options: QuantizeOptions): QuantPlan {
  const sourceType = new Map(source.tensors.map((t) => [t.name, t.type]));
  const layout = computeGgufLayout({ metadata: converted.metadata, tensors: converted.tensors });
  const tensors = layout.tensors.map((t): PlannedTensor => {
    const from = sourceType.get(t.name)!;
    return { name: t.name, sourceName: t.name, shape: t.shape, sourceType: from, outputType: t.type, convert: from !== t.type, outputBytes: t.byteLength, offset: t.offset };
  });
  return {
    ftype: parseFtype(options.ftype),
    metadata: [...converted.metadata],
    tensors,
    version: 3,
    alignment: layout.alignment,
    fallbackCount: 0,
    convertCount: tensors.filter((t) => t.convert).length,
    imatrixEntries: 0,
  };
}
