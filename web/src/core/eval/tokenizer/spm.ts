// SentencePiece tokenization as llama.cpp does it (llm_tokenizer_spm_session): start from single codepoints,
// repeatedly merge the adjacent pair whose concatenation is the vocabulary token of highest score (leftmost on
// ties), and write any piece that is not a token as its UTF-8 bytes (<0xXX> byte tokens).
import { QuantsmithError } from '../../errors.ts';
import { BinaryHeap } from './binary-heap.ts';
import { HashedSet } from './hashed-set.ts';
import { pushUtf8 } from './utf8.ts';
import type { Vocab } from './vocab.ts';

interface Bigram {
  readonly left: number;
  readonly right: number;
  readonly score: number;
  /** combined length when queued; a different length now means one side has changed since */
  readonly size: number;
}

const bigramFirst = (a: Bigram, b: Bigram) => a.score > b.score || (a.score === b.score && a.left < b.left);

/** Token of each byte: <0xXX>, else the one-byte text, else -1 (llama.cpp fails on such a byte). */
export function spmByteTokens(vocab: Vocab): Int32Array {
  const ids = new Int32Array(256).fill(-1);
  for (let b = 0; b < 256; b++) {
    const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    ids[b] = vocab.idOf.get(hex) ?? (b < 0x80 ? vocab.idOf.get(String.fromCharCode(b)) : undefined) ?? -1;
  }
  return ids;
}

/** Words seen before are not merged again; bounded to keep memory flat. */
const CACHE_LIMIT = 100_000;

/**
 * The SentencePiece tokenizer of one vocabulary. A merge can only join two symbols when some token contains the
 * two codepoints on either side of their boundary, so the text is cut where no token does: no merge of llama.cpp's
 * single pass over the whole text crosses such a cut, and each piece (a word, mostly) is merged on its own and
 * remembered. This gives llama.cpp's tokens at a fraction of the cost.
 */
export class SpmSession {
  private readonly byteTokens: Int32Array;
  /** adjacent codepoint pairs inside some token (a false "yes" only means a piece is not cut there) */
  private readonly pairs = new HashedSet(25);
  private readonly cache = new Map<string, readonly number[]>();

  constructor(private readonly vocab: Vocab) {
    this.byteTokens = spmByteTokens(vocab);
    for (const text of vocab.texts) {
      let prev = -1;
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        if (prev >= 0) this.pairs.add(prev, cp);
        prev = cp;
      }
    }
  }

  /** Tokenizes text (already whitespace-escaped) onto out. */
  tokenize(text: string, out: number[]): void {
    let pieceStart = 0;
    let prev = -1;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      const at = i;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) cp = text.codePointAt(i++)!;
      if (prev >= 0 && !this.pairs.mayHave(prev, cp)) {
        this.tokenizePiece(text.slice(pieceStart, at), out);
        pieceStart = at;
      }
      prev = cp;
    }
    if (pieceStart < text.length) this.tokenizePiece(text.slice(pieceStart), out);
  }

  private tokenizePiece(piece: string, out: number[]): void {
    let ids = this.cache.get(piece);
    if (!ids) {
      const fresh: number[] = [];
      spmTokenize(piece, this.vocab, this.byteTokens, fresh);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(piece, fresh);
      ids = fresh;
    }
    for (const id of ids) out.push(id);
  }
}

/** Tokenizes text (already whitespace-escaped) onto out, as one llama.cpp SPM session does. */
export function spmTokenize(text: string, vocab: Vocab, byteTokens: Int32Array, out: number[]): void {
  const { idOf, scores } = vocab;
  // symbols: [start, start + len) in text, linked left to right
  const starts: number[] = [];
  for (let i = 0; i < text.length; i++) {
    starts.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  const n = starts.length;
  const start = Int32Array.from(starts);
  const len = new Int32Array(n);
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    len[i] = (i + 1 < n ? start[i + 1]! : text.length) - start[i]!;
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }

  const queue = new BinaryHeap<Bigram>(bigramFirst);
  const tryAdd = (left: number, right: number) => {
    if (left < 0 || right < 0) return;
    const size = len[left]! + len[right]!;
    const id = idOf.get(text.substr(start[left]!, size));
    if (id === undefined) return;
    queue.push({ left, right, score: scores[id]!, size });
  };
  for (let i = 1; i < n; i++) tryAdd(i - 1, i);

  while (queue.size > 0) {
    const { left, right, size } = queue.pop()!;
    if (len[left] === 0 || len[right] === 0 || len[left]! + len[right]! !== size) continue;
    len[left] = size;
    len[right] = 0;
    next[left] = next[right]!;
    if (next[right]! >= 0) prev[next[right]!] = left;
    tryAdd(prev[left]!, left);
    tryAdd(left, next[left]!);
  }

  const bytes: number[] = [];
  for (let i = 0; i !== -1; i = next[i]!) {
    const piece = text.substr(start[i]!, len[i]!);
    const id = idOf.get(piece);
    if (id !== undefined) {
      out.push(id);
      continue;
    }
    // not a token (only a single codepoint can be left so): its UTF-8 bytes
    bytes.length = 0;
    pushUtf8(piece.codePointAt(0)!, bytes);
    for (const b of bytes) {
      const t = byteTokens[b]!;
      if (t < 0) {
        throw new QuantsmithError(`the vocabulary has no token for byte 0x${b.toString(16).padStart(2, '0')} (no <0x..> byte tokens), which llama.cpp cannot tokenize either`);
      }
      out.push(t);
    }
  }
}
