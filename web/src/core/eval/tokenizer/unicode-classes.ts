// The codepoint classes llama.cpp's pre-tokenizers look at (unicode.cpp's unicode_cpt_flags: \p{L}, \p{N}, \s),
// from a table recorded from libllama itself: the JS engine's \p{…} follows a newer Unicode than llama.cpp's
// tables (thousands of letters differ), and a browser's may differ again, so the engine's regexes are not used.
import { CLASS_RUNS } from './unicode-classes-data.ts';

export const MAX_CODEPOINT = 0x110000;

/**
 * Class of a codepoint. Every codepoint has one (unassigned ones are OTHER); only a position past the end of the
 * text has none (NO_CLASS), which is what llama.cpp's "flags.as_uint() == 0" tests for.
 */
export type CodepointClass = number;
/** punctuation, symbols, marks, controls, unassigned: defined, but none of the three below */
export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
export const WHITESPACE = 3;
export const NO_CLASS = -1;

// unicode_cpt_flags bits (unicode.h)
const FLAG_NUMBER = 0x0002;
const FLAG_LETTER = 0x0004;
const FLAG_WHITESPACE = 0x0100;

/** The class of a unicode_cpt_flags value; whitespace is never also a letter or a number in llama.cpp's tables. */
export function classOfFlags(flags: number): CodepointClass {
  if (flags & FLAG_WHITESPACE) return WHITESPACE;
  if (flags & FLAG_LETTER) return LETTER;
  if (flags & FLAG_NUMBER) return NUMBER;
  return OTHER;
}

let table: Uint8Array | undefined;

/** One byte per codepoint (1.1 MB), decoded once from the recorded runs. */
export function codepointClasses(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(MAX_CODEPOINT);
  let start = 0;
  let cls = 0;
  for (const run of CLASS_RUNS.split(',')) {
    const next = start + parseInt(run.slice(0, -1), 36);
    t.fill(cls, start, next);
    start = next;
    cls = run.charCodeAt(run.length - 1) - 48;
  }
  t.fill(cls, start);
  table = t;
  return t;
}
