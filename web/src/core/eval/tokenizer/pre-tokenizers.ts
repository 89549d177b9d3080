// The word splitters llama.cpp runs before BPE for the regexes of GPT-2, Llama 3 and Qwen2 (unicode.cpp's
// unicode_regex_split_custom_gpt2 / _llama3 / _qwen2). They are hand-written scanners, not regex engines, and
// differ from their regexes at the edges (an unassigned codepoint after a space, for one), so they are followed
// step by step rather than replaced by JS regexes. Each returns the lengths, in codepoints, of the words.
import { LETTER, NO_CLASS, NUMBER, OTHER, WHITESPACE, codepointClasses } from './unicode-classes.ts';

export type WordSplitter = (cps: Uint32Array) => number[];

const OUT_OF_RANGE = 0xffffffff;
const APOS = 0x27;
const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const s = 0x73, t = 0x74, m = 0x6d, d = 0x64, r = 0x72, e = 0x65, v = 0x76, l = 0x6c;

/** unicode_tolower for the letters the contraction rules test: only ASCII capitals map onto them */
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

/** The contraction at pos ('s 't 'm 'd 're 've 'll): its length, or 0. */
function contraction(cps: Uint32Array, pos: number, caseless: boolean): number {
  const n = cps.length;
  if (cps[pos] !== APOS || pos + 1 >= n) return 0;
  const c1 = caseless ? lower(cps[pos + 1]!) : cps[pos + 1]!;
  if (c1 === s || c1 === t || c1 === m || c1 === d) return 2;
  if (pos + 2 >= n) return 0;
  const c2 = caseless ? lower(cps[pos + 2]!) : cps[pos + 2]!;
  if ((c1 === r && c2 === e) || (c1 === v && c2 === e) || (c1 === l && c2 === l)) return 3;
  return 0;
}

function scanner(cps: Uint32Array) {
  const table = codepointClasses();
  const n = cps.length;
  return {
    n,
    cls: (pos: number) => (pos < n ? table[cps[pos]!]! : NO_CLASS),
    cpt: (pos: number) => (pos < n ? cps[pos]! : OUT_OF_RANGE),
  };
}

/** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S) */
export const splitGpt2: WordSplitter = (cps) => {
  const { n, cls, cpt } = scanner(cps);
  const words: number[] = [];
  let prevEnd = 0;
  const add = (end: number) => {
    if (end > prevEnd) words.push(end - prevEnd);
    prevEnd = end;
  };
  for (let pos = 0; pos < n;) {
    const c = cps[pos]!;
    const k = contraction(cps, pos, false);
    if (k) {
      pos += k;
      add(pos);
      continue;
    }
    let f2 = c === SPACE ? cls(pos + 1) : cls(pos);
    if (f2 === LETTER || f2 === NUMBER || f2 === OTHER) {
      const run = f2;
      if (c === SPACE) pos++;
      while (f2 === run) f2 = cls(++pos);
      add(pos);
      continue;
    }
    let ws = 0;
    while (cls(pos + ws) === WHITESPACE) ws++;
    if (ws > 1 && cpt(pos + ws) !== OUT_OF_RANGE) {
      pos += ws - 1;
      add(pos);
      continue;
    }
    if (ws > 0) {
      pos += ws;
      add(pos);
      continue;
    }
    add(++pos);
  }
  return words;
};

/**
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * (Llama 3, with digits in threes) and the same with \p{N} (Qwen2, single digits)
 */
function splitLlama3Like(maxDigits: number): WordSplitter {
  return (cps) => {
    const { n, cls, cpt } = scanner(cps);
    const words: number[] = [];
    let prevEnd = 0;
    const add = (end: number) => {
      if (end > prevEnd) words.push(end - prevEnd);
      prevEnd = end;
    };
    for (let pos = 0; pos < n;) {
      const c = cps[pos]!;
      const f = cls(pos);
      const k = contraction(cps, pos, true);
      if (k) {
        pos += k;
        add(pos);
        continue;
      }
      // [^\r\n\p{L}\p{N}]?\p{L}+
      if (!(c === CR || c === LF || f === NUMBER) && (f === LETTER || cls(pos + 1) === LETTER)) {
        pos++;
        while (cls(pos) === LETTER) pos++;
        add(pos);
        continue;
      }
      if (f === NUMBER) {
        let ini = pos;
        while (cls(pos) === NUMBER) {
          if (++pos - ini >= maxDigits) {
            add(pos);
            ini = pos;
          }
        }
        add(pos);
        continue;
      }
      // <space>?[^\s\p{L}\p{N}]+[\r\n]* (past the end counts as such a character after a space, as in llama.cpp)
      let f2 = c === SPACE ? cls(pos + 1) : f;
      if (f2 === OTHER || f2 === NO_CLASS) {
        if (c === SPACE) pos++;
        while (f2 === OTHER) f2 = cls(++pos);
        let c2 = cpt(pos);
        while (c2 === CR || c2 === LF) c2 = cpt(++pos);
        add(pos);
        continue;
      }
      let ws = 0;
      let lastCrLfEnd = 0;
      while (cls(pos + ws) === WHITESPACE) {
        const c2 = cpt(pos + ws);
        if (c2 === CR || c2 === LF) lastCrLfEnd = pos + ws + 1;
        ws++;
      }
      if (lastCrLfEnd > 0) {
        pos = lastCrLfEnd;
        add(pos);
        continue;
      }
      if (ws > 1 && cpt(pos + ws) !== OUT_OF_RANGE) {
        pos += ws - 1;
        add(pos);
        continue;
      }
      if (ws > 0) {
        pos += ws;
        add(pos);
        continue;
      }
      add(++pos);
    }
    return words;
  };
}

export const splitLlama3 = splitLlama3Like(3);
export const splitQwen2 = splitLlama3Like(1);
