// The quant types as the picker groups them, by what each gives on the open model: its exact size from the
// plan (and, once the evaluator measures them, its quality). The recommended Q4_K_M is the yardstick: the
// other quantized types are either smaller than it or larger, each list ordered from Q4_K_M outwards.
// Without a model, llama-quantize's own sizes for Llama-3-8B order them.
import { FTYPES, type LlamaFtype } from '../../core/quant/ftypes.ts';

export type TypeFamily = 'k-quant' | 'legacy' | 'i-quant' | 'ternary' | 'mxfp4' | 'float' | 'copy';

/**
 * A measured quality figure for one type on the open model (the evaluator's hook: perplexity or KL
 * divergence against the source). `text` is what the card shows, e.g. "PPL 14.21 (+0.08)".
 */
export interface QualityFigure {
  readonly text: string;
}

/** What the plan says of one type on the open model: an exact size, or why it cannot be made. */
export type PlannedFacts = { readonly ok: true; readonly size: number } | { readonly ok: false; readonly reason: string };

export interface TypeChoice {
  readonly ftype: LlamaFtype;
  readonly family: TypeFamily;
  /** undefined when no model is open */
  readonly planned: PlannedFacts | undefined;
  readonly quality: QualityFigure | undefined;
}

export interface TypeGroup {
  readonly title: string;
  readonly hint: string;
  readonly types: readonly TypeChoice[];
}

/** the plan's refusal of a type that needs an importance matrix (core/quant/plan.ts words it as llama.cpp does) */
const IMATRIX_REFUSAL = /requires an importance matrix \(--imatrix\): tensor (\S+) would be (\S+)/;

/**
 * What a refused type's card says: one short line. A type refused only for want of an importance matrix
 * says so and names the tensor llama.cpp stops at; any other refusal is the plan's own words.
 */
export function refusalText(reason: string): string {
  const m = IMATRIX_REFUSAL.exec(reason);
  return m ? `Needs an importance matrix: llama.cpp refuses ${m[1]} as ${m[2]} without one` : `Not possible for this model: ${reason}`;
}

const needsImatrixOnly = (c: TypeChoice): boolean => c.planned !== undefined && !c.planned.ok && IMATRIX_REFUSAL.test(c.planned.reason);

export const YARDSTICK = 'Q4_K_M';
const RECOMMENDED = ['Q4_K_M', 'Q5_K_M', 'Q8_0'];

/** llama-quantize's file sizes for Llama-3-8B in GB (tools/quantize QUANT_OPTIONS). */
const LLAMA3_8B_GB: Readonly<Record<string, number>> = {
  F32: 32.1, F16: 16.07, BF16: 16.07, COPY: 16.07, Q8_0: 7.96, Q6_K: 6.14, Q5_K_M: 5.33, Q5_K_S: 5.21, Q5_1: 5.65,
  Q5_0: 5.21, Q4_K_M: 4.58, Q4_K_S: 4.37, Q4_1: 4.78, Q4_0: 4.34, Q3_K_L: 4.03, Q3_K_M: 3.74, Q3_K_S: 3.41,
  Q2_K: 2.96, Q2_K_S: 2.95,
};
/** the others by their bits per weight there (same table) */
const LLAMA3_8B_BPW: Readonly<Record<string, number>> = {
  IQ4_NL: 4.5, IQ4_XS: 4.25, MXFP4_MOE: 4.25, IQ3_M: 3.66, IQ3_S: 3.44, IQ3_XS: 3.3, IQ3_XXS: 3.06, IQ2_M: 2.7,
  IQ2_S: 2.5, IQ2_XS: 2.31, IQ2_XXS: 2.06, TQ2_0: 2.06, Q2_0: 2.25, IQ1_M: 1.75, TQ1_0: 1.69, IQ1_S: 1.56, Q1_0: 1.125,
};
const nominalBytes = (name: string): number =>
  (LLAMA3_8B_GB[name] ?? ((LLAMA3_8B_BPW[name] ?? 16) * 8.03) / 8) * 1e9;

export function typeFamily(name: string): TypeFamily {
  if (/^(F32|F16|BF16)$/.test(name)) return 'float';
  if (name === 'COPY') return 'copy';
  if (name.startsWith('IQ')) return 'i-quant';
  if (name.startsWith('TQ')) return 'ternary';
  if (name.startsWith('MXFP4')) return 'mxfp4';
  if (name.includes('_K')) return 'k-quant';
  return 'legacy';
}

const unquantized = (c: TypeChoice) => c.family === 'float' || c.family === 'copy';

/**
 * Groups every type Quantsmith writes. `plans` (per type name, when a model is open) gives exact sizes;
 * types the plan refuses come last (those that only lack an importance matrix first) with their reason; `quality` is shown where the evaluator measured it.
 */
export function groupTypes(
  plans: ReadonlyMap<string, PlannedFacts> | null,
  quality: ReadonlyMap<string, QualityFigure> = new Map(),
): TypeGroup[] {
  const choices = FTYPES.map((ftype): TypeChoice => ({
    ftype,
    family: typeFamily(ftype.name),
    planned: plans?.get(ftype.name),
    quality: quality.get(ftype.name),
  }));
  // a refused type has no size of its own on this model; the nominal one still places it sensibly
  const size = (c: TypeChoice) => (c.planned?.ok ? c.planned.size : nominalBytes(c.ftype.name));
  const possible = (c: TypeChoice) => c.planned === undefined || c.planned.ok;
  const yardstick = choices.find((c) => c.ftype.name === YARDSTICK)!;
  const bySize = (a: TypeChoice, b: TypeChoice) => size(a) - size(b);
  const unplaced = choices.filter((c) => possible(c) && !RECOMMENDED.includes(c.ftype.name));
  const quantized = unplaced.filter((c) => !unquantized(c));
  const reference = possible(yardstick) ? size(yardstick) : nominalBytes(YARDSTICK);

  const groups: TypeGroup[] = [
    {
      title: 'Recommended',
      hint: 'the best quality for their size on most models',
      types: choices.filter((c) => RECOMMENDED.includes(c.ftype.name) && possible(c)).sort(bySize),
    },
    {
      title: `Smaller than ${YARDSTICK}`,
      hint: 'smaller files; quality drops as the size does',
      types: quantized.filter((c) => size(c) <= reference).sort((a, b) => -bySize(a, b)),
    },
    {
      title: `Larger than ${YARDSTICK}`,
      hint: 'larger files, usually closer to the original',
      types: quantized.filter((c) => size(c) > reference).sort(bySize),
    },
    { title: 'Float', hint: 'unquantized', types: unplaced.filter(unquantized).sort(bySize) },
    {
      title: 'Need an importance matrix',
      hint: 'open or compute one below to make these',
      types: choices.filter((c) => !possible(c) && needsImatrixOnly(c)).sort((a, b) => -bySize(a, b)),
    },
    {
      title: 'Not possible for this model',
      hint: 'each says why',
      types: choices.filter((c) => !possible(c) && !needsImatrixOnly(c)).sort((a, b) => -bySize(a, b)),
    },
  ];
  return groups.filter((g) => g.types.length > 0);
}
