// `quantize … --publish org/name`: after the output is complete, upload it with a model card to a Hub
// repository (created if missing, private with --private), streamed from the file on disk.
import { createHash } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { CancelledError, QuantsmithError } from '../core/errors.ts';
import { buildModelCard } from '../core/hub/model-card.ts';
import { publishToHub, type PublishProgress } from '../core/hub/publish.ts';
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

/** llama-quantize's own words for the options given (the same names Quantsmith takes). */
function llamaQuantizeWords(args: QuantizeArgs): string[] {
  const w: string[] = [];
  if (args.allowRequantize) w.push('--allow-requantize');
  if (args.leaveOutputTensor) w.push('--leave-output-tensor');
  if (args.pure) w.push('--pure');
  if (args.outputTensorType) w.push('--output-tensor-type', args.outputTensorType);
  if (args.tokenEmbeddingType) w.push('--token-embedding-type', args.tokenEmbeddingType);
  for (const t of args.tensorTypes) w.push('--tensor-type', t);
  for (const kv of args.overrideKv) w.push('--override-kv', kv);
  return w;
}

const quote = (word: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

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

export async function publishOutput(input: OpenedInput, args: QuantizeArgs, outputPath: string, onProgress: (p: PublishProgress) => void): Promise<string> {
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
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await publishToHub(repo, [{ path: name, content }], card, { endpoint: env.endpoint, token: env.token, tokenHint: CLI_TOKEN_HINT, signal: controller.signal }, {
      private: args.private,
      title: `Add ${name} (${args.type}, Quantsmith)`,
      onProgress,
    });
    return `published ${name} to ${env.endpoint}/${result.repo}${result.created ? ` (created${args.private ? ', private' : ''})` : ''}: ${result.commitUrl}`;
  } catch (e) {
    if (e instanceof CancelledError) throw new QuantsmithError(`publishing to ${repo} was interrupted; nothing was committed (${args.output} is complete)`);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
