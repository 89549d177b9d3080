// The codebook ("lattice") quants IQ1_S … IQ3_S for the oracle tests: which types they are, and blocks
// built to reach every index of each type's grid, so the grids are checked by ggml's own to_float.
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { rng } from './kernels-data.ts';

/**
 * Tested in kernels-iq.test.ts rather than by the generic kernel loops: ggml aborts the whole process
 * (GGML_ASSERT, "Oops: found point not on grid") on some of the generic distributions for these types,
 * and their one-time search-map set-up in ggml costs seconds per type.
 */
export const CODEBOOK_TYPES: ReadonlySet<number> = new Set([
  GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ1_S, GgmlType.IQ1_M,
]);

interface GridLayout {
  grid: number;
  blockBytes: number;
  /** grid indices per 256-value block */
  slots: number;
  /** writes grid index `index` into slot `slot` of the block at `b` */
  put(b: Uint8Array, slot: number, index: number): void;
  /** keeps the block's f16 scale finite */
  finite(b: Uint8Array): void;
}

const finiteHalfAt = (at: number) => (b: Uint8Array) => {
  if ((b[at + 1] & 0x7c) === 0x7c) b[at + 1] &= ~0x40;
};

/** Where each type keeps its grid indices (ggml-common.h block layouts, ggml-quants.c dequantizers). */
const LAYOUTS: Record<number, GridLayout> = {
  [GgmlType.IQ2_XXS]: {
    grid: 256, blockBytes: 66, slots: 32, finite: finiteHalfAt(0),
    put: (b, s, i) => { b[2 + 8 * (s >> 2) + (s & 3)] = i; }, // byte l of each 32-bit word pair's first word
  },
  [GgmlType.IQ2_XS]: {
    grid: 512, blockBytes: 74, slots: 32, finite: finiteHalfAt(0),
    put: (b, s, i) => {
      b[2 + 2 * s] = i & 255;
      b[3 + 2 * s] = (b[3 + 2 * s] & ~1) | (i >> 8); // 9-bit index, 7 sign bits above
    },
  },
  [GgmlType.IQ2_S]: {
    grid: 1024, blockBytes: 82, slots: 32, finite: finiteHalfAt(0),
    put: (b, s, i) => {
      b[2 + s] = i & 255;
      const qh = 2 + 64 + (s >> 2), shift = 2 * (s & 3);
      b[qh] = (b[qh] & ~(3 << shift)) | ((i >> 8) << shift);
    },
  },
  [GgmlType.IQ3_XXS]: {
    grid: 256, blockBytes: 98, slots: 64, finite: finiteHalfAt(0),
    put: (b, s, i) => { b[2 + s] = i; },
  },
  [GgmlType.IQ3_S]: {
    grid: 512, blockBytes: 110, slots: 64, finite: finiteHalfAt(0),
    put: (b, s, i) => {
      b[2 + s] = i & 255;
      const qh = 2 + 64 + (s >> 3);
      b[qh] = (b[qh] & ~(1 << (s & 7))) | ((i >> 8) << (s & 7));
    },
  },
  [GgmlType.IQ1_S]: {
    grid: 2048, blockBytes: 50, slots: 32, finite: finiteHalfAt(0),
    put: (b, s, i) => {
      b[2 + s] = i & 255;
      const at = 2 + 32 + 2 * (s >> 2), shift = 3 * (s & 3);
      const qh = (b[at] | (b[at + 1] << 8)) & ~(7 << shift) | ((i >> 8) << shift);
      b[at] = qh & 255;
      b[at + 1] = qh >> 8;
    },
  },
  [GgmlType.IQ1_M]: {
    grid: 2048, blockBytes: 56, slots: 32,
    // the f16 scale is the top nibble of each 16-bit scale word; its exponent's top bit is bit 14 of the last
    finite: (b) => {
      if ((b[55] & 0x7c) === 0x7c) b[55] &= ~0x40;
    },
    put: (b, s, i) => {
      b[s] = i & 255;
      const qh = 32 + (s >> 1), shift = 4 * (s & 1);
      b[qh] = (b[qh] & ~(7 << shift)) | ((i >> 8) << shift);
    },
  },
};

/**
 * Blocks of `type` whose grid indices run through the whole grid (with random signs, shifts and
 * scales, all scales finite): returns the bytes, the number of 256-value blocks and the indices used.
 */
export function blocksCoveringGrid(type: number, seed: number): { data: Uint8Array; blocks: number; indices: Set<number> } {
  const layout = LAYOUTS[type];
  const blocks = Math.ceil(layout.grid / layout.slots);
  const r = rng(seed);
  const data = Uint8Array.from({ length: blocks * layout.blockBytes }, () => Math.floor(r() * 256));
  const indices = new Set<number>();
  for (let k = 0; k < blocks * layout.slots; k++) {
    const index = k % layout.grid;
    const block = data.subarray(Math.floor(k / layout.slots) * layout.blockBytes, (Math.floor(k / layout.slots) + 1) * layout.blockBytes);
    layout.put(block, k % layout.slots, index);
    indices.add(index);
  }
  for (let b = 0; b < blocks; b++) layout.finite(data.subarray(b * layout.blockBytes, (b + 1) * layout.blockBytes));
  return { data, blocks, indices };
}

export function gridSize(type: number): number {
  return LAYOUTS[type].grid;
}
