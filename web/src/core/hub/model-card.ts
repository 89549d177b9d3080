// The README.md published beside quantized files: front matter the Hub reads (base_model pointing at the
// source repository, the gguf tag), a table of the files (type, size, SHA-256, measured quality where known)
// and the llama.cpp commands that make the same files. A split output is one entry of the table (its type,
// total size and quality) with a row per shard under it. Every name in it (file names, the source's name,
// repositories) is written through markdown-text.ts, so the Hub renders it as that text and nothing else.
import { escapeUnsafe } from '../message-text.ts';
import { splitPrefixOf } from '../formats/gguf/split-names.ts';
import { formatSize } from './candidates.ts';
import { markdownCode, markdownCodeBlock, markdownPathTarget, markdownText } from './markdown-text.ts';

/** One file of an output: the whole output, or one of its shards. */
export interface CardOutputFile {
  /** path in the repository */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** One output: one type, written as one file or split into shards. */
export interface CardOutput {
  /** llama-quantize's name of the type: Q4_K_M, Q8_0, F16 … */
  readonly type: string;
  /** the output's file, or its shards in order (NAME-00001-of-0000N.gguf …) */
  readonly files: readonly CardOutputFile[];
  /** e.g. "perplexity 21.3 (+1.2% vs F16), …", where the evaluator measured it */
  readonly quality?: string;
  /** the llama.cpp command lines that make these files from the source (with llama-gguf-split's step for shards) */
  readonly llamaCpp: string;
}

/** What the card describes: where the outputs came from and each output's files. */
export interface CardInput {
  /** the repository being published to, "me/model-GGUF" */
  readonly repo: string;
  /** the source repository on the Hub, when the model came from there */
  readonly baseModel?: { readonly repo: string; readonly commit?: string; readonly endpoint: string };
  /** the source's name when it was a local file or folder */
  readonly sourceName: string;
  /** each output: one file, or the shards of a split one in order */
  readonly outputs: readonly CardOutput[];
}

/** The name a split output goes by (its shards' common prefix), or its only file's path. */
export function outputLabel(o: CardOutput): string {
  const n = o.files.length;
  if (n === 1) return o.files[0].path;
  const prefix = splitPrefixOf(o.files[0].path, 0, n);
  return `${prefix ?? o.files[0].path} (${n} shards)`;
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
  const outputs = input.outputs;
  const quality = outputs.some((o) => o.quality);
  const header = quality ? '| File | Type | Size | SHA-256 | Quality |\n| --- | --- | --- | --- | --- |' : '| File | Type | Size | SHA-256 |\n| --- | --- | --- | --- |';
  const qualityCell = (q: string | undefined) => (quality ? ` ${markdownText(q ?? '–')} |` : '');
  const fileLink = (path: string) => `[${markdownText(path)}](${markdownPathTarget(path)})`;
  const sizeCell = (bytes: number) => `${formatSize(bytes)} (${bytes} bytes)`;
  const rows = outputs.flatMap((o) => {
    if (o.files.length === 1) {
      const f = o.files[0];
      return [`| ${fileLink(f.path)} | ${typeName(o.type)} | ${sizeCell(f.size)} | ${hexCode(f.sha256)} |${qualityCell(o.quality)}`];
    }
    const total = o.files.reduce((n, f) => n + f.size, 0);
    return [
      `| ${markdownText(outputLabel(o))} | ${typeName(o.type)} | ${sizeCell(total)} | – |${qualityCell(o.quality)}`,
      ...o.files.map((f, i) => `| ↳ ${fileLink(f.path)} | shard ${i + 1} of ${o.files.length} | ${sizeCell(f.size)} | ${hexCode(f.sha256)} |${quality ? ' |' : ''}`),
    ];
  });
  const split = outputs.find((o) => o.files.length > 1);
  const splitNote = split
    ? ['', `A split output is loaded from its first shard (${markdownCode(`llama-cli -m ${split.files[0].path}`)}); llama.cpp finds the other shards beside it.`]
    : [];
  // the comment names the output escaped: a line break in a file name must not start a command of its own
  const commands = outputs.map((o) => `# ${escapeUnsafe(outputLabel(o))}\n${o.llamaCpp}`).join('\n\n');
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
    ...splitNote,
    '',
    '## The same files with llama.cpp',
    '',
    markdownCodeBlock('sh', commands),
    '',
    'Run one with `llama-cli -m <file> -p "…"` or `llama-server -m <file>`.',
    '',
  ].join('\n');
}
