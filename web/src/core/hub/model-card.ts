// The README.md published beside quantized files: front matter the Hub reads (base_model pointing at the
// source repository, the gguf tag), a table of the files (type, size, SHA-256, measured quality where known)
// and the llama.cpp commands that make the same files. Every name in it (file names, the source's name,
// repositories) is written through markdown-text.ts, so the Hub renders it as that text and nothing else.
import { escapeUnsafe } from '../message-text.ts';
import { formatSize } from './candidates.ts';
import { markdownCode, markdownCodeBlock, markdownPathTarget, markdownText } from './markdown-text.ts';

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
/** an absolute URL as a link target: the characters that would end or split it percent-encoded */
const urlTarget = (url: string) => url.replace(/[\s()<>"'`\\]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);

/** a hash as a code span; anything but hex (never from our hasher) as plain text, which is safe in a cell */
const hexCode = (hash: string) => (/^[0-9a-f]+$/i.test(hash) ? `\`${hash}\`` : markdownText(hash));

/** a type name from the type table as it is (an underscore inside a word is no emphasis); anything else escaped */
const typeName = (type: string) => (/^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/.test(type) ? type : markdownText(type));

export function buildModelCard(input: CardInput): string {
  const front = ['---'];
  if (input.baseModel) front.push(`base_model: ${yamlString(input.baseModel.repo)}`);
  front.push('tags:', '- gguf', '- quantsmith', '- llama.cpp', '---');
  const name = input.repo.split('/').pop()!;
  const from = input.baseModel
    ? `[${markdownText(input.baseModel.repo)}](${urlTarget(`${input.baseModel.endpoint}/${input.baseModel.repo}`)})${input.baseModel.commit ? ` at commit ${markdownCode(input.baseModel.commit.slice(0, 12))}` : ''}`
    : markdownCode(input.sourceName);
  const quality = input.files.some((f) => f.quality);
  const header = quality ? '| File | Type | Size | SHA-256 | Quality |\n| --- | --- | --- | --- | --- |' : '| File | Type | Size | SHA-256 |\n| --- | --- | --- | --- |';
  const rows = input.files.map(
    (f) => `| [${markdownText(f.path)}](${markdownPathTarget(f.path)}) | ${typeName(f.type)} | ${formatSize(f.size)} (${f.size} bytes) | ${hexCode(f.sha256)} |${quality ? ` ${markdownText(f.quality ?? '–')} |` : ''}`,
  );
  // the comment names the file escaped: a line break in a file name must not start a command of its own
  const commands = input.files.map((f) => `# ${escapeUnsafe(f.path)}\n${f.llamaCpp}`).join('\n\n');
  return [
    ...front,
    '',
    `# ${markdownText(name)}`,
    '',
    `GGUF files of ${from}, quantized with Quantsmith: byte-identical to what llama.cpp's`,
    '`llama-quantize` (release v0.5.0) writes for the same input and options.',
    '',
    header,
    ...rows,
    '',
    '## The same files with llama.cpp',
    '',
    markdownCodeBlock('sh', commands),
    '',
    'Run one with `llama-cli -m <file> -p "…"` or `llama-server -m <file>`.',
    '',
  ].join('\n');
}
