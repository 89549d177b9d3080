// `quantize … --publish org/name`: after the output is complete, upload it (its file, or all its shards in
// one commit) with a model card to a Hub repository (created if missing, private with --private), streamed
// from the files on disk. QUANTSMITH_HUB_MAX_FILE_BYTES / QUANTSMITH_HUB_SPLIT_MAX_SIZE replace the Hub's
// 50 GB per-file limit and the 49G split for tests, which cannot write 50 GB.
import { createHash } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { CancelledError, QuantsmithError } from '../core/errors.ts';
import { HUB_FILE_LIMIT, type HubFileLimit } from '../core/hub/hub-file-limit.ts';
import { outputLabel } from '../core/hub/model-card.ts';
import { shellQuote } from '../core/shell-quote.ts';
import { publishOutputs, type PublishProgress } from '../core/hub/publish.ts';
import { ggufSplitCommand } from '../core/hub/split-command.ts';
import { QUANTIZE_OPTION_TABLE, type OptionField } from '../core/quant/option-table.ts';
import { parseSplitSizeOption, type KvOverride, type QuantizeOptions, type TensorTypeOverride } from '../core/quant/options.ts';
import type { QuantizeArgs } from './args.ts';
import { CLI_TOKEN_HINT, hubEnv } from './hub-env.ts';
import type { OpenedInput } from './open-input.ts';

function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** The Hub's per-file limit, or the one a test injects through the environment. */
export function hubFileLimit(env: NodeJS.ProcessEnv = process.env): HubFileLimit {
  const max = env.QUANTSMITH_HUB_MAX_FILE_BYTES?.trim();
  const split = env.QUANTSMITH_HUB_SPLIT_MAX_SIZE?.trim();
  if (!max && !split) return HUB_FILE_LIMIT;
  const maxFileBytes = max ? Number(max) : HUB_FILE_LIMIT.maxFileBytes;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1) throw new QuantsmithError(`QUANTSMITH_HUB_MAX_FILE_BYTES must be a whole number of bytes, got '${max}'`);
  if (split) {
    try {
      parseSplitSizeOption(split);
    } catch {
      throw new QuantsmithError(`QUANTSMITH_HUB_SPLIT_MAX_SIZE must be a size as --split-max-size takes it (N M or N G), got '${split}'`);
    }
  }
  return { maxFileBytes, splitMaxSize: split || HUB_FILE_LIMIT.splitMaxSize };
}

/** gguf-split's options, not llama-quantize's: they go into the llama-gguf-split step */
const SPLIT_FIELDS: ReadonlySet<OptionField> = new Set(['splitMaxSize', 'splitMaxTensors']);

/** llama-quantize's own words for the options given, in its order (the option table's). */
function llamaQuantizeWords(args: QuantizeArgs): string[] {
  const words: string[] = [];
  const options = args.options as Record<string, unknown>;
  for (const row of QUANTIZE_OPTION_TABLE) {
    if (SPLIT_FIELDS.has(row.field)) continue;
    const value = options[row.field];
    if (row.kind === 'flag') {
      if (value) words.push(row.flag);
      continue;
    }
    const values = row.repeatable ? ((value as unknown[] | undefined) ?? []) : value === undefined ? [] : [value];
    for (const v of values) words.push(row.flag, optionText(v));
  }
  return words;
}

function optionText(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v);
  if ('pattern' in v) return `${(v as TensorTypeOverride).pattern}=${(v as TensorTypeOverride).type}`;
  const kv = v as KvOverride;
  return `${kv.key}=${kv.type}:${String(kv.value)}`;
}

const quote = shellQuote;

/**
 * llama.cpp's commands for the output named `output` (the -o name): the converter for a Hugging Face folder,
 * llama-quantize, and llama-gguf-split when `written` (the options the output was written with, an
 * automatic split included) split it. --keep-split needs no step of its own: llama-quantize splits then.
 */
export function llamaCppCommands(input: OpenedInput, args: QuantizeArgs, output: string, written: QuantizeOptions = { ftype: args.type, ...args.options }): string {
  const source = input.source;
  const words = llamaQuantizeWords(args);
  const split = ggufSplitCommand(output, written);
  const lines: string[] = [];
  let from = source.name;
  if (source.format !== 'gguf') {
    from = `${source.name}-F16.gguf`;
    lines.push(['python', 'convert_hf_to_gguf.py', input.hubOrigin ? input.hubOrigin.repo.split('/')[1] : source.name, '--outtype', 'f16', '--outfile', from].map(quote).join(' '));
  }
  lines.push(['llama-quantize', ...words, from, output, args.type].map(quote).join(' '));
  if (split) lines.push(split);
  return lines.join('\n');
}

export interface WrittenOutput {
  /** the -o path (the unsplit name) */
  readonly output: string;
  /** the files written: the output, or its shards in order */
  readonly paths: readonly string[];
  /** the options it was written with (an automatic split included) */
  readonly options: QuantizeOptions;
  /** the card's quality note, when --publish-quality measured it */
  readonly quality?: string;
}

export async function publishOutput(input: OpenedInput, args: QuantizeArgs, written: WrittenOutput, limit: HubFileLimit, onProgress: (p: PublishProgress) => void, interrupted: AbortSignal): Promise<string> {
  const repo = args.publish!;
  const env = hubEnv();
  // one shard after another: hashing 49 GB files side by side would only make the disk seek
  const files = [];
  for (const path of written.paths) {
    const [sha256, content] = await Promise.all([sha256OfFile(path), openAsBlob(path)]);
    files.push({ path: basename(path), size: content.size, sha256, content });
  }
  const output = { type: args.type, files, quality: written.quality, llamaCpp: llamaCppCommands(input, args, basename(written.output), written.options) };
  const label = outputLabel(output);
  const shown = files.length === 1 ? label : `${files[0].path} … ${files.at(-1)!.path} (${files.length} shards)`;
  try {
    const result = await publishOutputs(
      repo,
      { baseModel: input.hubOrigin && { repo: input.hubOrigin.repo, commit: input.hubOrigin.commit, endpoint: env.endpoint }, sourceName: input.source.name, outputs: [output] },
      { endpoint: env.endpoint, token: env.token, tokenHint: CLI_TOKEN_HINT, signal: interrupted },
      { private: args.private, title: `Add ${label} (${args.type}, Quantsmith)`, onProgress, maxFileBytes: limit.maxFileBytes },
    );
    return `published ${shown} to ${env.endpoint}/${result.repo}${result.created ? ` (created${args.private ? ', private' : ''})` : ''}: ${result.commitUrl}`;
  } catch (e) {
    if (e instanceof CancelledError) throw new QuantsmithError(`publishing to ${repo} was interrupted; nothing was committed (${files.length === 1 ? `${args.output} is` : `its ${files.length} shards are`} complete)`);
    throw e;
  }
}
