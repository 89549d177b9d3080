// The quant types as the picker groups them, in llama.cpp's names.
import { FTYPES, type LlamaFtype } from '../../core/quant/ftypes.ts';

export interface TypeGroup {
  readonly title: string;
  readonly hint: string;
  readonly types: readonly LlamaFtype[];
}

const GROUPS: { title: string; hint: string; names: string[] }[] = [
  { title: 'Recommended', hint: 'good quality for their size', names: ['Q4_K_M', 'Q5_K_M', 'Q8_0'] },
  {
    title: 'Smaller',
    hint: 'smaller files, some quality lost',
    names: ['Q4_K_S', 'Q4_1', 'Q4_0', 'IQ4_NL', 'IQ4_XS', 'Q3_K_L', 'Q3_K_M', 'Q3_K_S', 'Q2_K', 'Q2_K_S'],
  },
  { title: 'Higher quality', hint: 'larger files, closer to the original', names: ['Q6_K', 'Q5_K_S', 'Q5_1', 'Q5_0'] },
  { title: 'Float', hint: 'unquantized', names: ['F16', 'BF16', 'F32'] },
];

export const TYPE_GROUPS: readonly TypeGroup[] = GROUPS.map((g) => ({
  title: g.title,
  hint: g.hint,
  types: g.names.map((n) => {
    const t = FTYPES.find((f) => f.name === n);
    if (!t) throw new Error(`type-groups: unknown ftype ${n}`);
    return t;
  }),
}));
