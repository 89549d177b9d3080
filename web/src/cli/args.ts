// The command line, in llama-quantize's words. Parsing only: no file is touched here.
import { parseArgs } from 'node:util';
import { QuantsmithError } from '../core/errors.ts';
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
  quantsmith quantize <input.gguf | hf-folder> -o <output.gguf> -t <TYPE> [options]
  quantsmith inspect <file.gguf | hf-folder>

quantize options (as llama-quantize names them):`,
  usageLines('-t, --type TYPE', 'Q4_K_M, Q8_0, Q5_K_M, … (see --list-types)'),
  usageLines('-o, --output PATH', 'the GGUF to write (written under a temporary name, renamed when complete)'),
  usageLines('--threads N', 'worker threads (default: all cores)'),
  ...QUANTIZE_OPTION_TABLE.map((r) => usageLines(r.metavar ? `${r.flag} ${r.metavar}` : r.flag, r.help)),
  usageLines('--dry-run', 'print the plan (tensor → type) and the exact output size; write nothing'),
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
}

export interface InspectArgs {
  readonly command: 'inspect';
  readonly input: string;
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
    'dry-run': { type: 'boolean' },
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
    options: tableOptionValues(values),
    tensorTypeSequence: tokens.flatMap((tk): QuantizeArgs['tensorTypeSequence'][number][] => {
      if (tk.kind !== 'option' || tk.value === undefined) return [];
      if (tk.name === 'tensor-type') return [{ override: parseTensorTypeOption(tk.value) }];
      if (tk.name === 'tensor-type-file') return [{ file: tk.value }];
      return [];
    }),
    dryRun,
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
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) return { command: 'help' };
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one file or folder');
  return { command: 'inspect', input: positionals[0] };
}
