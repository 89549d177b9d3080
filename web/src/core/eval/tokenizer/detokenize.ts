// Token ids back to text as llama_detokenize does it: each token's piece (token_to_piece: byte tokens as their
// byte, SentencePiece's U+2581 as a space, GPT-2 byte characters as their bytes, control tokens only when asked),
// the leading space the SentencePiece tokenizer added removed, and BPE's clean-up of spaces before punctuation.
import { ATTR_BYTE, ATTR_CONTROL, ATTR_NORMAL, ATTR_UNKNOWN, ATTR_USER_DEFINED } from './token-attrs.ts';
import type { Vocab } from './vocab.ts';

export interface DecodeOptions {
  /** drop a leading BOS and trailing EOS that the vocabulary adds (llama_detokenize's remove_special) */
  readonly removeSpecial?: boolean;
  /** write control and unknown tokens' text (unparse_special) */
  readonly unparseSpecial?: boolean;
}

const utf8 = new TextEncoder();

/** GPT-2 byte characters back to bytes */
const BYTE_OF_CHAR: ReadonlyMap<number, number> = (() => {
  const m = new Map<number, number>();
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    m.set(printable ? b : next++, b);
  }
  return m;
})();

/** llama_decode_text: a byte-level token's text as the bytes it stands for */
function decodeByteLevel(text: string, out: number[]): void {
  for (const ch of text) {
    const b = BYTE_OF_CHAR.get(ch.codePointAt(0)!);
    if (b !== undefined) {
      out.push(b);
      continue;
    }
    const hex = [...utf8.encode(ch)].map((x) => x.toString(16).padStart(2, '0')).join('');
    for (const x of utf8.encode(`[UNK_BYTE_0x${hex}${text}]`)) out.push(x);
  }
}

function pushText(text: string, out: number[]): void {
  for (const x of utf8.encode(text)) out.push(x);
}

/** token_to_piece with special = unparseSpecial, onto out as bytes */
function pushPiece(vocab: Vocab, id: number, unparseSpecial: boolean, out: number[]): void {
  const attr = vocab.attrs[id]!;
  if (!unparseSpecial && attr & (ATTR_UNKNOWN | ATTR_CONTROL)) return;
  const text = vocab.texts[id]!;
  if (attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) pushText(text, out);
  else if (attr & ATTR_NORMAL) {
    if (vocab.model === 'spm') pushText(text.replaceAll('\u2581', ' '), out);
    else decodeByteLevel(text, out);
  } else if (attr & ATTR_BYTE) out.push(parseInt(text.slice(3, 5), 16) & 0xff);
}

/** detokenize's three clean-up passes over the bytes (spaces before ?!., around a lone ', before 's 'm 're 've) */
function cleanSpaces(t: number[]): number[] {
  const SP = 0x20, AP = 0x27;
  let a: number[] = t.length ? [t[0]!] : [];
  for (let i = 1; i < t.length; i++) {
    const x = t[i]!;
    if (t[i - 1] === SP && (x === 0x3f || x === 0x21 || x === 0x2e || x === 0x2c)) a.pop();
    a.push(x);
  }
  let b: number[] = a.length ? [a[0]!] : [];
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    if (x === AP && i + 1 < a.length && a[i - 1] === SP && a[i + 1] === SP) {
      b.pop();
      a[++i] = 0; // the next space is overwritten by a NUL, as llama.cpp does, and then skipped
    }
    b.push(x);
  }
  a = b;
  b = a.length ? [a[0]!] : [];
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    if (a[i - 1] === SP && x === AP && i + 1 < a.length) {
      const x1 = a[i + 1]!;
      if (x1 === 0x73 || x1 === 0x6d) b.pop();
      else if (i + 2 < a.length && ((x1 === 0x72 && a[i + 2] === 0x65) || (x1 === 0x76 && a[i + 2] === 0x65))) b.pop();
    }
    b.push(x);
  }
  return b;
}

/** The bytes llama_detokenize writes for these tokens. */
export function detokenizeBytes(vocab: Vocab, tokens: ArrayLike<number>, opts: DecodeOptions, cleanUp: boolean): Uint8Array {
  let from = 0;
  let to = tokens.length;
  let removeSpace = vocab.addSpacePrefix;
  if (opts.removeSpecial && vocab.addBos && to > 0 && tokens[0] === vocab.bos) {
    removeSpace = false;
    from++;
  }
  if (opts.removeSpecial && vocab.addEos && to > from && tokens[to - 1] === vocab.eos) to--;
  let out: number[] = [];
  for (let i = from; i < to; i++) {
    const id = tokens[i]!;
    if (!(id >= 0 && id < vocab.texts.length)) throw new RangeError(`token id ${id} is outside the vocabulary`);
    const at = out.length;
    pushPiece(vocab, id, opts.unparseSpecial ?? false, out);
    // the first piece loses one leading space (the one the tokenizer added)
    if (removeSpace && out.length > at && out[at] === 0x20) out.splice(at, 1);
    removeSpace = false;
  }
  if (cleanUp) out = cleanSpaces(out);
  return Uint8Array.from(out);
}
