// The text an evaluation reads, as llama-perplexity and llama-imatrix take `-f FILE`: its bytes minus
// one trailing newline (common/arg.cpp), which must be UTF-8 text: a binary file is refused by name
// rather than tokenized into noise.
import { QuantsmithError } from '../errors.ts';
import type { HasMetadata } from '../formats/gguf/metadata.ts';
import { tokenizerFromGguf } from './tokenizer/index.ts';

export function decodeEvalText(bytes: Uint8Array, label: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new QuantsmithError(`${label} is not a text file: it holds a NUL byte at offset ${nul}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new QuantsmithError(`${label} is not UTF-8 text`);
  }
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** The text's tokens as llama-perplexity and llama-imatrix take them: common_tokenize(text, add_special = true, parse_special = false). */
export function tokenizeEvalText(model: HasMetadata, text: string): Int32Array {
  return tokenizerFromGguf(model).encode(text, { addBos: true, parseSpecial: false });
}
