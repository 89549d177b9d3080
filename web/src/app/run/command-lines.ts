// The command lines that do what the app just did: our CLI twin and llama.cpp's llama-quantize, one per
// output (both take one type per run). Arguments are quoted for a POSIX shell.
import type { Preset } from '../presets/preset.ts';

/** Single-quotes a word when the shell would otherwise split or expand it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function optionWords(p: Preset): string[] {
  const words: string[] = [];
  if (p.allowRequantize) words.push('--allow-requantize');
  if (p.leaveOutputTensor) words.push('--leave-output-tensor');
  if (p.pure) words.push('--pure');
  if (p.outputTensorType) words.push('--output-tensor-type', p.outputTensorType);
  if (p.tokenEmbeddingType) words.push('--token-embedding-type', p.tokenEmbeddingType);
  for (const t of p.tensorTypes) words.push('--tensor-type', `${t.pattern}=${t.type}`);
  for (const kv of p.kvOverrides) words.push('--override-kv', kv);
  return words;
}

export function quantsmithCommand(input: string, output: string, type: string, p: Preset): string {
  return ['npx', 'quantsmith', 'quantize', input, '-o', output, '-t', type, ...optionWords(p)].map(shellQuote).join(' ');
}

export function llamaQuantizeCommand(input: string, output: string, type: string, p: Preset): string {
  return ['llama-quantize', ...optionWords(p), input, output, type].map(shellQuote).join(' ');
}
