// A set of codepoint pairs (or triples of UTF-16 units) that may answer "yes" for a member it never saw, but never
// "no" for one it did: a bitset indexed by a hash. The tokenizer asks it only to skip work that cannot matter, so
// a false "yes" costs time, never a different result; it keeps a 262k-token vocabulary's pairs in 4 MiB.
export class HashedSet {
  private readonly bits: Uint32Array;
  private readonly shift: number;

  constructor(log2Bits: number) {
    this.bits = new Uint32Array(1 << (log2Bits - 5));
    this.shift = 32 - log2Bits;
  }

  private index(a: number, b: number, c: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> this.shift;
  }

  add(a: number, b: number, c = 0): void {
    const i = this.index(a, b, c);
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }

  mayHave(a: number, b: number, c = 0): boolean {
    const i = this.index(a, b, c);
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}
