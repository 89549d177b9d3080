// Bit-exact float conversions as llama.cpp's converter makes them: numpy's float16 <-> float32 (round to
// nearest even, NaN payload kept), torch's bfloat16 -> float32 (a shift), and gguf-py's float32 -> bfloat16
// (NaN forced quiet, then round to nearest even).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32ToBits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

export function bitsToF32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** numpy's npy_halfbits_to_floatbits */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = h & 0x7c00;
  let sig = h & 0x03ff;
  if (exp === 0x7c00) return (sign | 0x7f800000 | (sig << 13)) >>> 0;
  if (exp !== 0) return (sign | (((h & 0x7fff) + 0x1c000) << 13)) >>> 0;
  if (sig === 0) return sign >>> 0;
  // subnormal: normalize
  let e = 0;
  sig <<= 1;
  while ((sig & 0x0400) === 0) {
    sig <<= 1;
    e++;
  }
  return (sign | ((127 - 15 - e) << 23) | ((sig & 0x03ff) << 13)) >>> 0;
}

/** numpy's npy_floatbits_to_halfbits (round to nearest even, overflow to infinity) */
export function f32BitsToF16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = f & 0x7f800000;
  let sig = f & 0x007fffff;
  if (exp >= 0x47800000) {
    if (exp === 0x7f800000 && sig !== 0) {
      let nan = 0x7c00 + (sig >>> 13);
      if (nan === 0x7c00) nan++; // keep it a NaN when the payload's top bits are all zero
      return sign | nan;
    }
    return sign | 0x7c00;
  }
  if (exp <= 0x38000000) {
    if (exp < 0x33000000) return sign; // too small even for a subnormal
    const e = exp >>> 23;
    sig |= 0x00800000;
    // bits that will be shifted out decide the rounding together with the bit above them
    const shift = 126 - e; // value = sig * 2^(e - 150); a half subnormal unit is 2^-24
    const halfBit = 1 << (shift - 1);
    const rest = sig & ((1 << shift) - 1);
    let h = sig >>> shift;
    if (rest > halfBit || (rest === halfBit && (h & 1) === 1)) h++;
    return sign | h;
  }
  const hExp = (exp - 0x38000000) >>> 13;
  if ((sig & 0x3fff) !== 0x1000) sig += 0x1000;
  return sign | (hExp + (sig >>> 13)); // a carry out of the significand moves the exponent up, to infinity at most
}

/** gguf-py's quants.BF16 rounding of one float32 */
export function f32BitsToBf16Bits(f: number): number {
  let n = f >>> 0;
  if ((n & 0x7fffffff) > 0x7f800000) n = ((n & 0xffff0000) | (64 << 16)) >>> 0;
  return Math.floor((n + (0x7fff + ((n >>> 16) & 1))) / 65536) & 0xffff;
}

export function bf16BitsToF32Bits(b: number): number {
  return (b << 16) >>> 0;
}
