// The README.md published beside quantized files: front matter the Hub reads (base_model pointing at the
// source repository, the gguf tag), a table of the files (type, size, SHA-256, measured quality where known)
// and the llama.cpp commands that make the same files.
import { formatSize } from './candidates.ts';

export interface CardFile {
  readonly path: string;
  /** llama-quantize's name of the type: Q4_K_M, Q8_0, F16 … */
  readonly type: string;
  readonly size: number;
  readonly sha256: string;
  /** e.g. "perplexity 21.3 (F16: 20.9)", where the evaluator measured it */
  readonly quality?: string;
  /** the llama.cpp command lines that make this file from the source */
  readonly llamaCpp: string;
}

export interface CardInput {
  /** the repository being published to, "me/model-GGUF" */
  readonly repo: string;
  /** the source repository on the Hub, when the model came from there */
  readonly baseModel?: { readonly repo: string; readonly commit?: string; readonly endpoint: string };
  /** the source's name when it was a local file or folder */
  readonly sourceName: string;
  readonly files: readonly CardFile[];
}

const yamlString = (s: string) => JSON.stringify(s);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function buildModelCard(input: CardInput): string {
  const front = ['---'];
  if (input.baseModel) front.push(`base_model: ${yamlString(input.baseModel.repo)}`);
  front.push('tags:', '- gguf', '- quantsmith', '- llama.cpp', '---');
  const name = input.repo.split('/').pop()!;
  const from = input.baseModel
    ? `[${input.baseModel.repo}](${input.baseModel.endpoint}/${input.baseModel.repo})${input.baseModel.commit ? ` at commit \`${input.baseModel.commit.slice(0, 12)}\`` : ''}`
    : `\`${input.sourceName}\``;
  const quality = input.files.some((f) => f.quality);
  const header = quality ? '| File | Type | Size | SHA-256 | Quality |\n| --- | --- | --- | --- | --- |' : '| File | Type | Size | SHA-256 |\n| --- | --- | --- | --- |';
  const rows = input.files.map(
    (f) => `| [${cell(f.path)}](./${encodeURI(f.path)}) | ${f.type} | ${formatSize(f.size)} (${f.size} bytes) | \`${f.sha256}\` |${quality ? ` ${cell(f.quality ?? '–')} |` : ''}`,
  );
  const commands = input.files.map((f) => `# ${f.path}\n${f.llamaCpp}`).join('\n\n');
  return [
    ...front,
    '',
    `# ${name}`,
    '',
    `GGUF files of ${from}, quantized with Quantsmith: byte-identical to what llama.cpp's`,
    '`llama-quantize` (release v0.5.0) writes for the same input and options.',
    '',
    header,
    ...rows,
    '',
    '## The same files with llama.cpp',
    '',
    '```sh',
    commands,
    '```',
    '',
    'Run one with `llama-cli -m <file> -p "…"` or `llama-server -m <file>`.',
    '',
  ].join('\n');
}
