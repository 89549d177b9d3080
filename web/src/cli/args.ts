// The command line, in llama-quantize's words. Parsing only: no file is touched here.
import { parseArgs } from 'node:util';
import { QuantsmithError } from '../core/errors.ts';
import { HUB_SPLIT_MAX_SIZE } from '../core/hub/hub-file-limit.ts';
import { parseFtype } from '../core/quant/ftypes.ts';
import { QUANTIZE_OPTION_TABLE } from '../core/quant/option-table.ts';
import { parseOptionText } from '../core/quant/option-text.ts';
import { parseTensorTypeOption, type QuantizeOptions, type TensorTypeOverride } from '../core/quant/options.ts';
import { UsageError } from './usage-error.ts';

const OPTION_COLUMN = 34;

/** The usage line of an option: flag and placeholder, then its help (continuation lines indented). */
function usageLines(flag: string, help: string): string {
  const head = `  ${flag}`;
  const [first, ...more] = help.split('\n');
  const lines = head.length < OPTION_COLUMN ? [`${head.padEnd(OPTION_COLUMN)}${first}`] : [head, `${''.padEnd(OPTION_COLUMN)}${first}`];
  for (const line of more) lines.push(`${''.padEnd(OPTION_COLUMN)}${line}`);
  return lines.join('\n');
}

export const USAGE = [
  `usage:
  quantsmith quantize <input.gguf | hf-folder | org/name[@revision]> -o <output.gguf> -t <TYPE> [options]
  quantsmith inspect <file.gguf | hf-folder | org/name[@revision]>

An existing local path is always read as such; otherwise org/name, org/name@revision or a huggingface.co
link is read from the Hub (HF_ENDPOINT, HF_TOKEN or the huggingface-cli login token are honoured).

quantize options (as llama-quantize names them):`,
  usageLines('-t, --type TYPE', 'Q4_K_M, Q8_0, Q5_K_M, … (see --list-types)'),
  usageLines('-o, --output PATH', 'the GGUF to write (written under a temporary name, renamed when complete)'),
  usageLines('--threads N', 'worker threads (default: all cores)'),
  ...QUANTIZE_OPTION_TABLE.map((r) => usageLines(r.metavar ? `${r.flag} ${r.metavar}` : r.flag, r.help)),
  usageLines('--hub-file PATH', "which model of a Hub repository holding several: a GGUF file, or\n'safetensors' (or a folder) for a Hugging Face safetensors set"),
  usageLines('--publish ORG/NAME', `after writing the output, upload it (every shard, if split) with a model\ncard to this Hub repository (created if missing; needs a write token);\nan output over the Hub's 50 GB file limit is split at --split-max-size ${HUB_SPLIT_MAX_SIZE}`),
  usageLines('--private', 'create that repository private'),
  usageLines('--publish-quality TEXT', "before uploading, measure the output against the input on TEXT\n(perplexity and KL divergence, as quantsmith kld does) for the card's\nQuality column"),
  usageLines('--publish-quality-chunks N', 'measure on at most N chunks of the text (default: all)'),
  usageLines('--list-types', 'list the quantization types'),
  usageLines('-h, --help', 'this text'),
].join('\n');

export interface QuantizeArgs {
  readonly command: 'quantize';
  readonly input: string;
  readonly output?: string;
  readonly type: string;
  readonly threads?: number;
  /** the table's options (option-table.ts), parsed; the ftype is `type` */
  readonly options: Omit<QuantizeOptions, 'ftype'>;
  /** --tensor-type and --tensor-type-file in the order given (a file's entries go where the file was named) */
  readonly tensorTypeSequence: readonly ({ readonly override: TensorTypeOverride } | { readonly file: string })[];
  readonly dryRun: boolean;
  readonly hubFile?: string;
  readonly publish?: string;
  readonly private: boolean;
  /** --publish-quality: the text the output is measured on before it is published */
  readonly publishQuality?: string;
  readonly publishQualityChunks?: number;
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
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

function parseQuantize(args: readonly string[]): CliArgs {
  const { values, positionals, tokens } = parse(args, {
    output: { type: 'string', short: 'o' },
    type: { type: 'string', short: 't' },
    threads: { type: 'string' },
    ...tableParseOptions(),
    'hub-file': { type: 'string' },
    publish: { type: 'string' },
    private: { type: 'boolean' },
    'publish-quality': { type: 'string' },
    'publish-quality-chunks': { type: 'string' },
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
  for (const flag of ['publish-quality', 'publish-quality-chunks'] as const) {
    if (values[flag] !== undefined && !values.publish) throw new UsageError(`--${flag} is for the card --publish writes`);
  }
  if (values['publish-quality-chunks'] !== undefined && values['publish-quality'] === undefined) {
    throw new UsageError('--publish-quality-chunks needs --publish-quality TEXT');
  }
  const qualityChunks = values['publish-quality-chunks'] === undefined ? undefined : Number(values['publish-quality-chunks']);
  if (qualityChunks !== undefined && (!Number.isInteger(qualityChunks) || qualityChunks < 1 || qualityChunks > 1 << 30)) {
    throw new UsageError(`--publish-quality-chunks must be a whole number of at least 1, got '${values['publish-quality-chunks']}'`);
  }
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
    type: canonicalTypeName(type),
    threads,
    options: tableOptionValues(values),
    tensorTypeSequence: tokens.flatMap((tk): QuantizeArgs['tensorTypeSequence'][number][] => {
      if (tk.kind !== 'option' || tk.value === undefined) return [];
      if (tk.name === 'tensor-type') return [{ override: parseTensorTypeOption(tk.value) }];
      if (tk.name === 'tensor-type-file') return [{ file: tk.value }];
      return [];
    }),
    dryRun,
    hubFile: values['hub-file'] as string | undefined,
    publish: values.publish as string | undefined,
    private: Boolean(values.private),
    publishQuality: values['publish-quality'] as string | undefined,
    publishQualityChunks: qualityChunks,
  };
}

/** node:util parseArgs' description of the table's options. */
function tableParseOptions(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(QUANTIZE_OPTION_TABLE.map((r) => [
    r.flag.slice(2),
    r.kind === 'flag' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: r.repeatable },
  ]));
}

/** The table's options from parsed values; a malformed compound value (REGEX=TYPE, KEY=TYPE:VALUE) is a usage error. */
function tableOptionValues(values: Record<string, unknown>): Omit<QuantizeOptions, 'ftype'> {
  const options: Record<string, unknown> = {};
  for (const r of QUANTIZE_OPTION_TABLE) {
    const given = values[r.flag.slice(2)];
    if (r.kind === 'flag') {
      options[r.field] = Boolean(given);
      continue;
    }
    const texts = given === undefined ? [] : Array.isArray(given) ? (given as string[]) : [given as string];
    const parsed = texts.map((text) => {
      try {
        return parseOptionText(r.kind as Exclude<typeof r.kind, 'flag'>, text);
      } catch (e) {
        if (e instanceof QuantsmithError) throw new UsageError(e.message);
        throw e;
      }
    });
    options[r.field] = r.repeatable ? parsed : parsed[0];
  }
  return options as Omit<QuantizeOptions, 'ftype'>;
}

function parseInspect(args: readonly string[]): CliArgs {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' }, 'hub-file': { type: 'string' } });
  if (values.help) return { command: 'help' };
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one file or folder');
  return { command: 'inspect', input: positionals[0], hubFile: values['hub-file'] as string | undefined };
}

/**
 * -t takes a name in any case, an alias (Q4_K) or a number (15), as llama-quantize does; everything the CLI
 * prints and names (summary, default output name, card) uses the type's own name. An unknown word is kept
 * as given: the plan refuses it by name.
 */
function canonicalTypeName(word: string): string {
  try {
    return parseFtype(word).name;
  } catch {
    return word;
  }
}
