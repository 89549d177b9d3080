// The command lines that do what the app just did: our CLI twin and llama.cpp's llama-quantize, one per
// output (both take one type per run). Arguments are quoted for a POSIX shell.
import { PRESET_OPTION_ROWS } from '../../core/quant/option-table.ts';
import { shellQuote } from '../../core/shell-quote.ts';
import { outputSplitPrefix } from '../../core/formats/gguf/split-names.ts';
import { optionValueText, presetValues, type Preset } from '../presets/preset.ts';

export { shellQuote };

/** Rows that are llama-gguf-split's (--split), not llama-quantize's: llama.cpp splits in a second step. */
const isGgufSplitRow = (kind: string) => kind === 'split-size' || kind === 'split-tensors';

/** The preset's options as llama-quantize's arguments, in its order (the option table's). */
function optionWords(p: Preset, only: 'all' | 'quantize' | 'gguf-split' = 'all'): string[] {
  const words: string[] = [];
  for (const row of PRESET_OPTION_ROWS) {
    if (only !== 'all' && isGgufSplitRow(row.kind) !== (only === 'gguf-split')) continue;
    for (const v of presetValues(p, row)) words.push(...(row.kind === 'flag' ? [row.flag] : [row.flag, optionValueText(row, v)]));
  }
  return words;
}

export function quantsmithCommand(input: string, output: string, type: string, p: Preset): string {
  return ['npx', 'quantsmith', 'quantize', input, '-o', output, '-t', type, ...optionWords(p)].map(shellQuote).join(' ');
}

/**
 * llama-quantize's command; with a split output, followed by the llama-gguf-split --split that cuts its
 * file into OUTPUT's stem-00001-of-0000N.gguf (`output` is the name the shards are named after).
 */
export function llamaQuantizeCommand(input: string, output: string, type: string, p: Preset): string {
  const quantize = ['llama-quantize', ...optionWords(p, 'quantize'), input, output, type].map(shellQuote).join(' ');
  const split = optionWords(p, 'gguf-split');
  if (split.length === 0) return quantize;
  return `${quantize}\n${['llama-gguf-split', '--split', ...split, output, outputSplitPrefix(output)].map(shellQuote).join(' ')}`;
}

export type FloatOuttype = 'f32' | 'f16' | 'bf16';

/**
 * What llama.cpp runs for the same output. A Hugging Face folder takes two steps there: its converter
 * (--outtype the folder's own float type, as Quantsmith converts it), then llama-quantize on the result.
 */
export function llamaCppCommands(input: string, output: string, type: string, p: Preset, hfOuttype?: FloatOuttype): string {
  if (!hfOuttype) return llamaQuantizeCommand(input, output, type, p);
  const converted = `${input.replace(/\/+$/, '').split('/').pop() || 'model'}-${hfOuttype.toUpperCase()}.gguf`;
  const convert = ['python', 'convert_hf_to_gguf.py', input, '--outtype', hfOuttype, '--outfile', converted].map(shellQuote).join(' ');
  return `${convert}\n${llamaQuantizeCommand(converted, output, type, p)}`;
}
