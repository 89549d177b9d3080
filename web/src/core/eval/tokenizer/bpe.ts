// Byte-level BPE as llama.cpp does it (llm_tokenizer_bpe_session): split the text into words with the
// pre-tokenizer named by tokenizer.ggml.pre, write each word's UTF-8 bytes as GPT-2's byte characters, then merge
// adjacent symbols by merge rank (lowest first, leftmost on ties). A finished symbol that is not a token falls
// back to its single-byte texts, as llama.cpp does (in practice only ASCII characters can match those).
import { QuantsmithError } from '../../errors.ts';
import { BinaryHeap } from './binary-heap.ts';
import { splitGpt2, splitLlama3, splitQwen2, type WordSplitter } from './pre-tokenizers.ts';
import { pushUtf8 } from './utf8.ts';
import type { Vocab, VocabDefaults } from './vocab.ts';

export interface BpePreTokenizer {
  readonly split: WordSplitter;
  /** a word that is a token is taken whole (llama.cpp's ignore_merges, set for the Llama 3 family) */
  readonly ignoreMerges: boolean;
  /** detokenize removes spaces before punctuation and contractions (clean_spaces) */
  readonly cleanSpaces: boolean;
  readonly defaults: VocabDefaults;
}

const pre = (split: WordSplitter, ignoreMerges: boolean, addBos: boolean, cleanSpaces: boolean): BpePreTokenizer =>
  ({ split, ignoreMerges, cleanSpaces, defaults: { addBos } });
const LLAMA3 = pre(splitLlama3, true, true, true);
const LLAMA3_REGEX = pre(splitLlama3, false, false, true);
const QWEN2 = pre(splitQwen2, false, false, false);
const QWEN2_CLEAN = pre(splitQwen2, false, false, true);
const GPT2 = pre(splitGpt2, false, false, true);
const GPT2_RAW = pre(splitGpt2, false, false, false);

/** tokenizer.ggml.pre names llama.cpp maps onto these three splitters with no other special behaviour */
const PRE_TOKENIZERS: Readonly<Record<string, BpePreTokenizer>> = {
  'llama-bpe': LLAMA3, llama3: LLAMA3, 'llama-v3': LLAMA3, falcon3: LLAMA3, 'falcon-h1': LLAMA3, pixtral: LLAMA3,
  'midm-2.0': LLAMA3, lfm2: LLAMA3, 'jina-v5-nano': LLAMA3,
  dbrx: LLAMA3_REGEX, 'smaug-bpe': LLAMA3_REGEX,
  qwen2: QWEN2, 'deepseek-r1-qwen': QWEN2, kormo: QWEN2, f2llmv2: QWEN2, hunyuan: QWEN2, 'solar-open': QWEN2,
  'grok-2': QWEN2, megrez: QWEN2_CLEAN, stablelm2: QWEN2_CLEAN,
  'gpt-2': GPT2, 'phi-2': GPT2, mpt: GPT2, olmo: GPT2, jais: GPT2, exaone4: GPT2, gigachat: GPT2, 'a.x-4.0': GPT2,
  mellum: GPT2, trillion: GPT2_RAW, 'granite-docling': GPT2_RAW,
};

export function bpePreTokenizer(pre: string): BpePreTokenizer {
  const p = Object.hasOwn(PRE_TOKENIZERS, pre) ? PRE_TOKENIZERS[pre] : undefined;
  if (p) return p;
  if (pre === '' || pre === 'default') {
    throw new QuantsmithError(`the BPE vocabulary has no pre-tokenizer (tokenizer.ggml.pre '${pre}'): llama.cpp's default one is not supported by the evaluator`);
  }
  throw new QuantsmithError(`BPE pre-tokenizer '${pre}' (tokenizer.ggml.pre) is not supported by the evaluator (Llama 3, Qwen2 and GPT-2 ones are)`);
}

/** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest for U+0100 onwards */
const BYTE_CHARS: readonly string[] = (() => {
  const chars: string[] = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return chars;
})();

/** The word cps[from, to) as GPT-2 byte characters of its UTF-8 bytes. */
function byteLevel(cps: Uint32Array, from: number, to: number): string {
  const bytes: number[] = [];
  for (let i = from; i < to; i++) pushUtf8(cps[i]!, bytes);
  let word = '';
  for (const b of bytes) word += BYTE_CHARS[b];
  return word;
}

interface Bigram {
  readonly left: number;
  readonly right: number;
  readonly rank: number;
  /** combined length when queued */
  readonly size: number;
}

const bigramFirst = (a: Bigram, b: Bigram) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);

/** Words seen before are not merged again (the result depends on the word alone); bounded to keep memory flat. */
const CACHE_LIMIT = 100_000;

export class BpeSession {
  private readonly cache = new Map<string, readonly number[]>();
  constructor(private readonly vocab: Vocab, private readonly pre: BpePreTokenizer) {}

  tokenize(text: string, out: number[]): void {
    // codepoints, and where each starts in the string (words are cached under their own text)
    const cps = new Uint32Array(text.length);
    const at = new Int32Array(text.length + 1);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      at[n] = i;
      const c = text.charCodeAt(i);
      cps[n++] = c >= 0xd800 && c <= 0xdbff ? text.codePointAt(i++)! : c;
    }
    at[n] = text.length;
    const words = this.pre.split(cps.subarray(0, n));
    let w = 0;
    for (const len of words) {
      const key = text.slice(at[w]!, at[w + len]!);
      let ids = this.cache.get(key);
      if (!ids) {
        const fresh: number[] = [];
        this.tokenizeWord(byteLevel(cps, w, w + len), fresh);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(key, fresh);
        ids = fresh;
      }
      w += len;
      for (const id of ids) out.push(id);
    }
  }

  private tokenizeWord(word: string, out: number[]): void {
    const { idOf, mergeRanks } = this.vocab;
    if (this.pre.ignoreMerges) {
      const id = idOf.get(word);
      if (id !== undefined) {
        out.push(id);
        return;
      }
    }
    // one symbol per byte character (all of them are single UTF-16 units)
    const n = word.length;
    const len = new Int32Array(n).fill(1);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const queue = new BinaryHeap<Bigram>(bigramFirst);
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const rank = mergeRanks.get(`${word.substr(left, len[left]!)} ${word.substr(right, len[right]!)}`);
      if (rank !== undefined) queue.push({ left, right, rank, size: len[left]! + len[right]! });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    while (queue.size > 0) {
      const { left, right, size } = queue.pop()!;
      // stale when either side has merged since (symbols only grow, and right is left's neighbour while both live)
      if (len[left] === 0 || len[right] === 0 || len[left]! + len[right]! !== size) continue;
      len[left] = size;
      len[right] = 0;
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryAdd(prev[left]!, left);
      tryAdd(left, next[left]!);
    }
    for (let i = 0; i !== -1 && n > 0; i = next[i]!) {
      const piece = word.substr(i, len[i]!);
      const id = idOf.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (let j = 0; j < piece.length; j++) {
        const c = piece.charCodeAt(j);
        if (c >= 0x80) continue; // its UTF-8 bytes are not valid one-byte texts, so no token has them
        const b = idOf.get(piece[j]!);
        if (b !== undefined) out.push(b);
      }
    }
  }
}
