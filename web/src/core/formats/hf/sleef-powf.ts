// float32 x**y as torch computes it on x86 CPUs: SLEEF's powf_u10 with fused multiply-adds (the AVX2 and
// AVX-512 builds), emulated exactly with float32 rounding at every step. Needed because the converter's Llama 3
// rope factors come from torch's pow, which is not always correctly rounded. Finite positive x only.
const f = Math.fround;

const scratch = new Float32Array(1);
const scratchBits = new Int32Array(scratch.buffer);

/** float32 fma(a, b, c), correctly rounded: the product is exact in a double, the sum's error is tracked. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  const r = f(s);
  if (err === 0 || r === s) return r;
  // s lies exactly halfway between two float32 values only if its error decides the rounding
  const other = nextFloatToward(r, s);
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  return err > 0 ? Math.max(r, other) : Math.min(r, other);
}

function nextFloatToward(r: number, target: number): number {
  scratch[0] = r;
  const up = target > r;
  if (r === 0) scratchBits[0] = up ? 1 : -0x7fffffff;
  else scratchBits[0] += (r > 0) === up ? 1 : -1;
  return scratch[0]!;
}

type F2 = readonly [number, number];

const add2 = (x: number, y: number): F2 => {
  const rx = f(x + y);
  const v = f(rx - x);
  return [rx, f(f(x - f(rx - v)) + f(y - v))];
};
const add2_f2f = (x: F2, y: number): F2 => {
  const rx = f(x[0] + y);
  const v = f(rx - x[0]);
  return [rx, f(f(f(x[0] - f(rx - v)) + f(y - v)) + x[1])];
};
const add2_f2f2 = (x: F2, y: F2): F2 => {
  const rx = f(x[0] + y[0]);
  const v = f(rx - x[0]);
  return [rx, f(f(f(x[0] - f(rx - v)) + f(y[0] - v)) + f(x[1] + y[1]))];
};
const addF2F2 = (x: F2, y: F2): F2 => {
  const rx = f(x[0] + y[0]);
  return [rx, f(f(f(f(x[0] - rx) + y[0]) + x[1]) + y[1])];
};
const addFF2 = (x: number, y: F2): F2 => {
  const rx = f(x + y[0]);
  return [rx, f(f(f(x - rx) + y[0]) + y[1])];
};
const normalize = (t: F2): F2 => {
  const sx = f(t[0] + t[1]);
  return [sx, f(f(t[0] - sx) + t[1])];
};
const scale = (d: F2, s: number): F2 => [f(d[0] * s), f(d[1] * s)];
const mulF2F = (x: F2, y: number): F2 => {
  const rx = f(x[0] * y);
  return [rx, fmaf(x[1], y, fmaf(x[0], y, -rx))];
};
const mulF2F2 = (x: F2, y: F2): F2 => {
  const rx = f(x[0] * y[0]);
  return [rx, fmaf(x[0], y[1], fmaf(x[1], y[0], fmaf(x[0], y[0], -rx)))];
};
const squ = (x: F2): F2 => {
  const rx = f(x[0] * x[0]);
  return [rx, fmaf(f(x[0] + x[0]), x[1], fmaf(x[0], x[0], -rx))];
};
const div = (n: F2, d: F2): F2 => {
  const t = f(1 / d[0]);
  const qx = f(n[0] * t);
  const u = fmaf(t, n[0], -qx);
  let qy = fmaf(-d[1], t, fmaf(-d[0], t, 1));
  qy = fmaf(qx, qy, fmaf(n[1], t, u));
  return [qx, qy];
};

/** x * 2^q for results in the normal range (exact) */
const ldexp = (x: number, q: number) => f(x * 2 ** q);

/** rint: to the nearest integer, halves to even (cvtps2dq) */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** the exponent e with 0.75 <= x / 2^e < 1.5 (vilogbk of x / 0.75), for normal x */
function ilogb(x: number): number {
  scratch[0] = x;
  return ((scratchBits[0]! >>> 23) & 0xff) - 0x7f;
}

function logk(d: number): F2 {
  const e = ilogb(f(d * f(1 / 0.75)));
  const m = ldexp(d, -e);
  const x = div(add2(-1, m), add2(1, m));
  const x2 = squ(x);
  let t = f(0.240320354700088500976562);
  t = fmaf(t, x2[0], f(0.285112679004669189453125));
  t = fmaf(t, x2[0], f(0.400007992982864379882812));
  const c: F2 = [f(0.66666662693023681640625), f(3.69183861259614332084311e-09)];
  return add2_f2f2(
    mulF2F([f(0.69314718246459960938), f(-1.904654323148236017e-09)], f(e)),
    add2_f2f2(scale(x, 2), mulF2F2(mulF2F2(x2, x), add2_f2f2(mulF2F(x2, t), c))),
  );
}

const R_LN2 = f(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2U = f(0.693145751953125);
const L2L = f(1.428606765330187045e-06);

function expk(d: F2): number {
  const q = rint(f(f(d[0] + d[1]) * R_LN2));
  let s = add2_f2f(d, f(q * -L2U));
  s = add2_f2f(s, f(q * -L2L));
  s = normalize(s);
  let u = f(0.00136324646882712841033936);
  u = fmaf(u, s[0], f(0.00836596917361021041870117));
  u = fmaf(u, s[0], f(0.0416710823774337768554688));
  u = fmaf(u, s[0], f(0.166665524244308471679688));
  u = fmaf(u, s[0], f(0.499999850988388061523438));
  let t = addF2F2(s, mulF2F(squ(s), u));
  t = addFF2(1, t);
  const r = ldexp(f(t[0] + t[1]), q);
  return d[0] < -104 ? 0 : r;
}

/** SLEEF powf_u10 for finite x > 0 and finite y. */
export function sleefPowf(x: number, y: number): number {
  const xf = f(x);
  const yf = f(y);
  if (yf === 0 || xf === 1) return 1;
  return expk(mulF2F(logk(xf), yf));
}
