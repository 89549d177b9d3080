// The command line, in llama-quantize's words. Parsing only: no file is touched here.
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';

export const USAGE = `usage:
  quantsmith quantize <input.gguf | hf-folder | org/name[@revision]> -o <output.gguf> -t <TYPE> [options]
  quantsmith inspect <file.gguf | hf-folder | org/name[@revision]>

An existing local path is always read as such; otherwise org/name, org/name@revision or a huggingface.co
link is read from the Hub (HF_ENDPOINT, HF_TOKEN or the huggingface-cli login token are honoured).

quantize options (as llama-quantize names them):
  -t, --type TYPE                 Q4_K_M, Q8_0, Q5_K_M, … (see --list-types)
  -o, --output PATH               the GGUF to write (written under a temporary name, renamed when complete)
  --threads N                     worker threads (default: all cores)
  --output-tensor-type T          type of output.weight
  --token-embedding-type T        type of token_embd.weight
  --leave-output-tensor           do not quantize output.weight
  --pure                          every tensor in the default type of TYPE, no mixtures
  --tensor-type REGEX=T           type for tensors whose name matches REGEX (repeatable)
  --override-kv KEY=TYPE:VALUE    set a metadata key; TYPE is int, float, bool or str (repeatable)
  --allow-requantize              accept inputs that are already quantized
  --include-weights T, --exclude-weights T
                                  importance-matrix filters; accepted for llama-quantize compatibility,
                                  they change nothing without an importance matrix
  --hub-file PATH                 which model of a Hub repository holding several: a GGUF file, or
                                  'safetensors' (or a folder) for a Hugging Face safetensors set
  --publish ORG/NAME              after writing the output, upload it with a model card to this Hub
                                  repository (created if missing; needs a write token)
  --private                       create that repository private
  --dry-run                       print the plan (tensor → type) and the exact output size; write nothing
  --list-types                    list the quantization types
  -h, --help                      this text`;

export interface QuantizeArgs {
  readonly command: 'quantize';
  readonly input: string;
  readonly output?: string;
  readonly type: string;
  readonly threads?: number;
  readonly outputTensorType?: string;
  readonly tokenEmbeddingType?: string;
  readonly leaveOutputTensor: boolean;
  readonly pure: boolean;
  readonly tensorTypes: readonly string[];
  readonly overrideKv: readonly string[];
  readonly allowRequantize: boolean;
  readonly includeWeights: readonly string[];
  readonly excludeWeights: readonly string[];
  readonly dryRun: boolean;
  readonly hubFile?: string;
  readonly publish?: string;
  readonly private: boolean;
}

export interface InspectArgs {
  readonly command: 'inspect';
  readonly input: string;
  readonly hubFile?: string;
}

export type CliArgs = QuantizeArgs | InspectArgs | { command: 'help' } | { command: 'list-types' };

export function parseCli(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === '--list-types') return { command: 'list-types' };
  if (command === 'quantize') return parseQuantize(rest);
  if (command === 'inspect') return parseInspect(rest);
  throw new UsageError(`unknown command '${command}'`);
}

function parse(args: readonly string[], options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

function parseQuantize(args: readonly string[]): CliArgs {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    type: { type: 'string', short: 't' },
    threads: { type: 'string' },
    'output-tensor-type': { type: 'string' },
    'token-embedding-type': { type: 'string' },
    'leave-output-tensor': { type: 'boolean' },
    pure: { type: 'boolean' },
    'tensor-type': { type: 'string', multiple: true },
    'override-kv': { type: 'string', multiple: true },
    'allow-requantize': { type: 'boolean' },
    'include-weights': { type: 'string', multiple: true },
    'exclude-weights': { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    'hub-file': { type: 'string' },
    publish: { type: 'string' },
    private: { type: 'boolean' },
    'list-types': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return { command: 'help' };
  if (values['list-types']) return { command: 'list-types' };
  if (positionals.length === 0) throw new UsageError('quantize needs an input file or folder');
  if (positionals.length > 1) throw new UsageError(`quantize takes one input, got ${positionals.length}: ${positionals.join(' ')}`);
  const type = values.type as string | undefined;
  if (!type) throw new UsageError('quantize needs a type: -t TYPE (for example -t Q4_K_M)');
  const dryRun = Boolean(values['dry-run']);
  const output = values.output as string | undefined;
  if (!output && !dryRun) throw new UsageError('quantize needs an output: -o PATH (or --dry-run)');
  if (values.private && !values.publish) throw new UsageError('--private is for the repository --publish creates');
  if (values.publish && dryRun) throw new UsageError('--publish needs an output to upload; it cannot go with --dry-run');
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
      throw new UsageError(`--threads must be a whole number from 1 to 1024, got '${values.threads}'`);
    }
  }
  return {
    command: 'quantize',
    input: positionals[0],
    output,
    type,
    threads,
    outputTensorType: values['output-tensor-type'] as string | undefined,
    tokenEmbeddingType: values['token-embedding-type'] as string | undefined,
    leaveOutputTensor: Boolean(values['leave-output-tensor']),
    pure: Boolean(values.pure),
    tensorTypes: (values['tensor-type'] as string[] | undefined) ?? [],
    overrideKv: (values['override-kv'] as string[] | undefined) ?? [],
    allowRequantize: Boolean(values['allow-requantize']),
    includeWeights: (values['include-weights'] as string[] | undefined) ?? [],
    excludeWeights: (values['exclude-weights'] as string[] | undefined) ?? [],
    dryRun,
    hubFile: values['hub-file'] as string | undefined,
    publish: values.publish as string | undefined,
    private: Boolean(values.private),
  };
}

function parseInspect(args: readonly string[]): CliArgs {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' }, 'hub-file': { type: 'string' } });
  if (values.help) return { command: 'help' };
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one file or folder');
  return { command: 'inspect', input: positionals[0], hubFile: values['hub-file'] as string | undefined };
}
