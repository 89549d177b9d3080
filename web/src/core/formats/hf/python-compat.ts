// Small pieces of Python's semantics that llama.cpp's converter relies on and JavaScript spells
// differently: string ordering, rounding, number formatting, str.title()/islower()/split().

/** Python's str ordering: by Unicode code point (JS's `<` compares UTF-16 code units). */
export function comparePy(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

export function sortedPy(items: Iterable<string>): string[] {
  return [...items].sort(comparePy);
}

/** round(x) with no digits: to the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * f"{x:.{digits}f}": the exact binary value rounded to `digits` decimals, ties to even
 * (toFixed rounds exact ties up, and ties are only possible when the value is exactly representable).
 */
export function formatFixed(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
  const tail = exact.slice(exact.length - 60);
  if (!/^50*$/.test(tail)) return fixed;
  // an exact tie: toFixed rounded away from zero; go back down if that made the last digit odd
  const lastDigit = Number(fixed[fixed.length - 1]);
  if (lastDigit % 2 === 0) return fixed;
  const down = (Math.abs(x) - 0.5 * 10 ** -digits).toFixed(digits);
  return (x < 0 ? '-' : '') + down;
}

/** Python's float() of a string, or undefined where Python raises ValueError. */
export function parsePyFloat(s: string): number | undefined {
  const t = s.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return undefined;
}

const isCased = (c: string): boolean => c.toLowerCase() !== c.toUpperCase();

/** str.islower(): at least one cased character and no upper-case one. */
export function pyIsLower(s: string): boolean {
  let cased = false;
  for (const c of s) {
    if (!isCased(c)) continue;
    if (c !== c.toLowerCase()) return false;
    cased = true;
  }
  return cased;
}

/** str.title(): a cased character is upper-cased after an uncased one, lower-cased after a cased one. */
export function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const c of s) {
    if (isCased(c)) {
      out += prevCased ? c.toLowerCase() : c.toUpperCase();
      prevCased = true;
    } else {
      out += c;
      prevCased = false;
    }
  }
  return out;
}

/** str.split() with no argument: on runs of whitespace, no empty parts. */
export function pySplit(s: string): string[] {
  return s.split(/\s+/u).filter((p) => p !== '');
}

export const isPyDecimal = (c: string | undefined): boolean => c !== undefined && /^\p{Nd}$/u.test(c);
export const isPyAlpha = (c: string | undefined): boolean => c !== undefined && /^\p{L}$/u.test(c);

/** Python's isinstance(x, int) for a parsed JSON value: integers, and booleans (a bool is an int). */
export function isPyInt(v: unknown): v is number | boolean {
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
}

/** Python truthiness of a JSON value. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}
