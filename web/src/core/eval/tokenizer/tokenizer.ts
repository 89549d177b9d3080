// Tokenisation exactly as llama.cpp's llama_tokenize does it, from a GGUF's tokenizer.ggml.* metadata:
// SentencePiece ('llama': Llama, Mistral, Gemma, Phi-3) and byte-level BPE ('gpt2' with the Llama 3, Qwen2 and
// GPT-2 pre-tokenizers). Any other tokenizer model or pre-tokenizer is refused by name.
import { QuantsmithError } from '../../errors.ts';
import { bpePreTokenizer, BpeSession } from './bpe.ts';
import { detokenizeBytes, type DecodeOptions } from './detokenize.ts';
import type { GgufMetadataLike } from './metadata-view.ts';
import { partitionSpecial } from './special-partition.ts';
import { SpmSession } from './spm.ts';
import { wellFormed } from './utf8.ts';
import { loadVocab, type Vocab } from './vocab.ts';

export type { GgufMetadataLike } from './metadata-view.ts';
export type { DecodeOptions } from './detokenize.ts';

export interface EncodeOptions {
  /** llama_tokenize's add_special: add BOS and EOS as tokenizer.ggml.add_bos_token / add_eos_token say */
  readonly addBos: boolean;
  /** llama_tokenize's parse_special: control tokens written in the text become those tokens */
  readonly parseSpecial: boolean;
}

export interface Tokenizer {
  encode(text: string, opts: EncodeOptions): Int32Array;
  /** llama_detokenize: the text of the tokens (bytes that are not valid UTF-8 become U+FFFD) */
  decode?(tokens: ArrayLike<number>, opts?: DecodeOptions): string;
  readonly nVocab: number;
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  /** tokenizer.ggml.add_bos_token, or llama.cpp's default for the tokenizer */
  readonly addBosDefault: boolean;
}

export function tokenizerFromGguf(metadata: GgufMetadataLike): Tokenizer {
  const vocab = loadVocab(metadata, (pre) => bpePreTokenizer(pre).defaults);
  return vocab.model === 'spm' ? new SpmTokenizer(vocab) : new BpeTokenizer(vocab);
}

const utf8Decoder = new TextDecoder();

abstract class VocabTokenizer implements Tokenizer {
  readonly nVocab: number;
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  readonly addBosDefault: boolean;

  constructor(protected readonly vocab: Vocab) {
    this.nVocab = vocab.texts.length;
    this.bos = vocab.bos;
    this.eos = vocab.eos;
    this.addBosDefault = vocab.addBos;
  }

  encode(text: string, opts: EncodeOptions): Int32Array {
    const s = wellFormed(text);
    const out: number[] = [];
    const { vocab } = this;
    if (opts.addBos && vocab.addBos) out.push(this.required(vocab.bos, 'BOS'));
    this.tokenizeFragments(s, partitionSpecial(s, vocab, opts.parseSpecial), out);
    if (opts.addBos && vocab.addEos) out.push(this.required(vocab.eos, 'EOS'));
    return Int32Array.from(out);
  }

  decode(tokens: ArrayLike<number>, opts: DecodeOptions = {}): string {
    return utf8Decoder.decode(detokenizeBytes(this.vocab, tokens, opts, this.cleanSpaces));
  }

  protected abstract readonly cleanSpaces: boolean;

  protected abstract tokenizeFragments(text: string, fragments: ReturnType<typeof partitionSpecial>, out: number[]): void;

  private required(id: number | undefined, what: string): number {
    // llama.cpp asserts here and aborts
    if (id === undefined) throw new QuantsmithError(`the vocabulary asks for a ${what} token but has none`);
    return id;
  }
}

class SpmTokenizer extends VocabTokenizer {
  protected readonly cleanSpaces = false;
  private readonly session = new SpmSession(this.vocab);

  protected tokenizeFragments(text: string, fragments: ReturnType<typeof partitionSpecial>, out: number[]): void {
    // a space before the text and after each special token, then spaces escaped as U+2581
    let afterSpecial = true;
    for (const f of fragments) {
      if ('token' in f) {
        out.push(f.token);
        afterSpecial = true;
        continue;
      }
      const piece = (this.vocab.addSpacePrefix && afterSpecial ? ' ' : '') + text.slice(f.start, f.end);
      this.session.tokenize(piece.replaceAll(' ', '\u2581'), out);
      afterSpecial = false;
    }
  }
}

class BpeTokenizer extends VocabTokenizer {
  private readonly pre = bpePreTokenizer(this.vocab.pre);
  private readonly session = new BpeSession(this.vocab, this.pre);
  protected readonly cleanSpaces = this.pre.cleanSpaces;

  protected tokenizeFragments(text: string, fragments: ReturnType<typeof partitionSpecial>, out: number[]): void {
    for (const f of fragments) {
      if ('token' in f) out.push(f.token);
      else this.session.tokenize(text.slice(f.start, f.end), out);
    }
  }
}
