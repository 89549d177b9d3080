// Tokens of a text for a model, as llama.cpp's common_tokenize(text, add_special = true, parse_special =
// false) gives them, from the tokenizer in core/eval/tokenizer/ (built from the GGUF's tokenizer.ggml.*).
// It is loaded by name at run time so this command line works in builds that have it and says so in
// those that do not.
import { QuantsmithError } from '../core/errors.ts';
import type { HasMetadata } from '../core/formats/gguf/metadata.ts';

interface TokenizerModule {
  tokenizerFromGguf(metadata: HasMetadata): { encode(text: string, opts: { addBos: boolean; parseSpecial: boolean }): Int32Array };
}

const TOKENIZER_MODULE = '../core/eval/tokenizer/index.ts';

export async function tokenizeText(model: HasMetadata, text: string, addBos: boolean): Promise<Int32Array> {
  let mod: TokenizerModule;
  try {
    mod = (await import(/* @vite-ignore */ TOKENIZER_MODULE)) as TokenizerModule;
  } catch {
    throw new QuantsmithError('this build of Quantsmith has no tokenizer yet, so it cannot evaluate a text');
  }
  return mod.tokenizerFromGguf(model).encode(text, { addBos, parseSpecial: false });
}
