// `quantize … --publish org/name`: after the output is complete, upload it with a model card to a Hub
// repository (created if missing, private with --private), streamed from the file on disk.
import { createHash } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { CancelledError, QuantsmithError } from '../core/errors.ts';
import { buildModelCard } from '../core/hub/model-card.ts';
import { shellQuote } from '../core/shell-quote.ts';
import { publishToHub, type PublishProgress } from '../core/hub/publish.ts';
import { QUANTIZE_OPTION_TABLE } from '../core/quant/option-table.ts';
import type { KvOverride, TensorTypeOverride } from '../core/quant/options.ts';
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

/** llama-quantize's own words for the options given, in its order (the option table's). */
function llamaQuantizeWords(args: QuantizeArgs): string[] {
  const words: string[] = [];
  const options = args.options as Record<string, unknown>;
  for (const row of QUANTIZE_OPTION_TABLE) {
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

export function llamaCppCommands(input: OpenedInput, args: QuantizeArgs, output: string): string {
  const source = input.source;
  const words = llamaQuantizeWords(args);
  if (source.format === 'gguf') return ['llama-quantize', ...words, source.name, output, args.type].map(quote).join(' ');
  const converted = `${source.name}-F16.gguf`;
  return [
    ['python', 'convert_hf_to_gguf.py', input.hubOrigin ? input.hubOrigin.repo.split('/')[1] : source.name, '--outtype', 'f16', '--outfile', converted].map(quote).join(' '),
    ['llama-quantize', ...words, converted, output, args.type].map(quote).join(' '),
  ].join('\n');
}

export async function publishOutput(input: OpenedInput, args: QuantizeArgs, outputPath: string, onProgress: (p: PublishProgress) => void, interrupted: AbortSignal): Promise<string> {
  const repo = args.publish!;
  const env = hubEnv();
  const name = basename(outputPath);
  const [sha256, content] = await Promise.all([sha256OfFile(outputPath), openAsBlob(outputPath)]);
  const card = buildModelCard({
    repo,
    baseModel: input.hubOrigin && { repo: input.hubOrigin.repo, commit: input.hubOrigin.commit, endpoint: env.endpoint },
    sourceName: input.source.name,
    files: [{ path: name, type: args.type, size: content.size, sha256, llamaCpp: llamaCppCommands(input, args, name) }],
  });
  try {
    const result = await publishToHub(repo, [{ path: name, content }], card, { endpoint: env.endpoint, token: env.token, tokenHint: CLI_TOKEN_HINT, signal: interrupted }, {
      private: args.private,
      title: `Add ${name} (${args.type}, Quantsmith)`,
      onProgress,
    });
    return `published ${name} to ${env.endpoint}/${result.repo}${result.created ? ` (created${args.private ? ', private' : ''})` : ''}: ${result.commitUrl}`;
  } catch (e) {
    if (e instanceof CancelledError) throw new QuantsmithError(`publishing to ${repo} was interrupted; nothing was committed (${args.output} is complete)`);
    throw e;
  }
}
