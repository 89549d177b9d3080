// The evaluator's command lines, in llama-perplexity's and llama-imatrix's words. Parsing only.
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';

export const EVAL_USAGE = `  quantsmith perplexity -m MODEL.gguf -f TEXT [-c N] [--chunks N] [--kl-divergence-base SOURCE.gguf]
  quantsmith kld SOURCE.gguf OUTPUT.gguf [OUTPUT.gguf …] -f TEXT [-c N] [--chunks N]
  quantsmith imatrix -m MODEL.gguf -f TEXT -o OUT.imatrix.gguf [-c N] [--chunks N] [--output-format gguf|dat] [--process-output]
  quantsmith layer-importance MODEL.gguf -f TEXT [-c N] [--chunks N] [--output-format text|json] [-o REPORT]

evaluator options (as llama-perplexity / llama-imatrix name them):
  -m, --model PATH                the model to evaluate (a GGUF file of any type Quantsmith reads)
  -f, --file PATH                 the text (UTF-8); its tokens are cut into chunks of n_ctx
  -c, --ctx-size N                tokens per chunk (default: the model's context length)
  --chunks N                      at most N chunks (default: all)
  --kl-divergence-base PATH       the source model: also report the KL divergence from it (a model, not a logits file)
  -o, --output-file PATH          imatrix: the file to write (temporary name, renamed when complete);
                                  layer-importance: write the report there instead of printing it
  --output-format gguf|dat        imatrix: GGUF (default) or llama.cpp's legacy .dat
  --output-format text|json       layer-importance: the ranking as text (default) or JSON
  --process-output                imatrix: also collect output.weight
  --threads N                     worker threads (default: all cores)`;

export type EvalCommandName = 'perplexity' | 'kld' | 'imatrix' | 'layer-importance';

export interface EvalArgs {
  readonly command: EvalCommandName;
  /** perplexity/imatrix: [model]; kld: [source, outputs…]; perplexity with a base: [base, model] */
  readonly models: readonly string[];
  readonly text: string;
  /** -c; undefined: the model's training context, as llama.cpp's 0 means */
  readonly nCtx?: number;
  readonly chunks?: number;
  readonly threads?: number;
  readonly output?: string;
  readonly outputFormat: 'gguf' | 'dat' | 'text' | 'json';
  readonly processOutput: boolean;
}

export function isEvalCommand(name: string | undefined): name is EvalCommandName {
  return name === 'perplexity' || name === 'kld' || name === 'imatrix' || name === 'layer-importance';
}

function positiveInt(flag: string, text: unknown, max = 1 << 30): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got '${text}'`);
  return n;
}

export function parseEvalCli(argv: readonly string[]): EvalArgs {
  const [command, ...rest] = argv;
  if (!isEvalCommand(command)) throw new UsageError(`unknown command '${command}'`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string', short: 'm' },
        file: { type: 'string', short: 'f' },
        'ctx-size': { type: 'string', short: 'c' },
        chunks: { type: 'string' },
        'kl-divergence-base': { type: 'string' },
        'output-file': { type: 'string', short: 'o' },
        'output-format': { type: 'string' },
        'process-output': { type: 'boolean' },
        threads: { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  const { values: v, positionals } = parsed;
  const text = v.file;
  if (!text) throw new UsageError(`${command} needs a text: -f TEXT`);
  const nCtx = positiveInt('-c', v['ctx-size'], 1 << 20);
  const chunks = positiveInt('--chunks', v.chunks);
  const threads = positiveInt('--threads', v.threads, 1024);
  const report = command === 'layer-importance';
  const format = v['output-format'] ?? (report ? 'text' : 'gguf');
  if (report && format !== 'text' && format !== 'json') throw new UsageError(`--output-format must be text or json, got '${format}'`);
  if (!report && format !== 'gguf' && format !== 'dat') throw new UsageError(`--output-format must be gguf or dat, got '${format}'`);
  let models: string[];
  if (report) {
    models = [...positionals, ...(v.model ? [v.model] : [])];
    if (models.length !== 1) throw new UsageError('layer-importance needs one model: quantsmith layer-importance MODEL.gguf -f TEXT');
    if (v['kl-divergence-base'] || v['process-output']) throw new UsageError('--kl-divergence-base and --process-output are not layer-importance options');
  } else if (command === 'kld') {
    models = [...positionals, ...(v.model ? [v.model] : [])];
    if (models.length < 2) throw new UsageError('kld needs the source model and at least one output: quantsmith kld SOURCE.gguf OUTPUT.gguf … -f TEXT');
  } else {
    if (positionals.length) throw new UsageError(`${command} takes its model with -m, not '${positionals[0]}'`);
    if (!v.model) throw new UsageError(`${command} needs a model: -m MODEL.gguf`);
    models = command === 'perplexity' && v['kl-divergence-base'] ? [v['kl-divergence-base'], v.model] : [v.model];
  }
  if (command === 'imatrix' && !v['output-file']) throw new UsageError('imatrix needs an output: -o OUT.imatrix.gguf');
  if (command !== 'imatrix' && !report && (v['output-file'] || v['output-format'] || v['process-output'])) {
    throw new UsageError(`-o, --output-format and --process-output are imatrix options`);
  }
  return {
    command, models, text, nCtx, chunks, threads,
    output: v['output-file'], outputFormat: format as EvalArgs['outputFormat'], processOutput: Boolean(v['process-output']),
  };
}
