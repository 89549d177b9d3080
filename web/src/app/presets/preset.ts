// A preset is the whole choice a person makes before a run: which quant types (several at once) and the
// advanced options, in llama-quantize's words. It has a link form (preset-url.ts) and a JSON form
// (preset-json.ts); both go through `checkPreset`, so a preset from anywhere is valid the same way.
import { QuantsmithError } from '../../core/errors.ts';
import { parseFtype } from '../../core/quant/ftypes.ts';
import { fileHashField, PRESET_OPTION_ROWS, type OptionField, type QuantizeOptionRow } from '../../core/quant/option-table.ts';
import { parsePruneText } from '../plan/prune-layers-text.ts';
import {
  parseGgmlTypeName,
  parseKvOverrideOption,
  parseSplitSizeOption,
  parseSplitTensorsOption,
  parseTensorTypeOption,
  type QuantizeOptions,
  type TensorTypeOverride,
} from '../../core/quant/options.ts';

/** The ftypes and the option table's rows that have a link key (option-table.ts). */
export interface Preset {
  /** llama.cpp ftype names as llama-quantize spells them, in the order chosen: ["Q4_K_M", "Q8_0"] */
  readonly types: readonly string[];
  /** ggml type name ("q6_K") for --output-tensor-type, or undefined for the ftype's rule */
  readonly outputTensorType?: string;
  /** ggml type name for --token-embedding-type */
  readonly tokenEmbeddingType?: string;
  readonly leaveOutputTensor: boolean;
  readonly pure: boolean;
  readonly allowRequantize: boolean;
  /** --tensor-type REGEX=TYPE rows, in order (pattern lowercased, as llama-quantize does) */
  readonly tensorTypes: readonly TensorTypeOverride[];
  /** --override-kv KEY=TYPE:VALUE, as written */
  readonly kvOverrides: readonly string[];
  /** --imatrix: the importance matrix's file name; the file itself is opened beside the model */
  readonly imatrixFile?: string;
  /** the SHA-256 (hex) of that file, so that opening the preset asks for that very file */
  readonly imatrixFileSha256?: string;
  /** --include-weights / --exclude-weights: tensor-name substrings filtering the importance matrix */
  readonly includeWeights: readonly string[];
  readonly excludeWeights: readonly string[];
  /** --tensor-type-file: the files' names (their entries are read when the app opens them, never carried) */
  readonly tensorTypeFiles: readonly string[];
  /** their SHA-256s, one per name, in the same order */
  readonly tensorTypeFilesSha256: readonly string[];
  /** --prune-layers: blocks to drop, ascending without repeats; undefined for none */
  readonly pruneLayers?: readonly number[];
  /** --keep-split: the output in the split input's shards */
  readonly keepSplit?: boolean;
  /** --split-max-size as written, canonical ("100M", "49G"); the engine gets bytes */
  readonly splitMaxSize?: string;
  /** --split-max-tensors as written, canonical ("20") */
  readonly splitMaxTensors?: string;
}

const PRESET_ROWS = PRESET_OPTION_ROWS;

/** No option set: flags off, lists empty, types left to the ftype's rules. */
export const DEFAULT_PRESET: Preset = Object.freeze(Object.fromEntries([
  ['types', Object.freeze(['Q4_K_M'])],
  ...PRESET_ROWS.filter((r) => r.kind === 'flag' || r.repeatable)
    .map((r) => [r.field, r.kind === 'flag' ? false : Object.freeze([])]),
  ...PRESET_ROWS.filter((r) => r.linkSha256 !== undefined && r.repeatable).map((r) => [fileHashField(r), Object.freeze([])]),
])) as unknown as Preset;

/** A preset's fields as they come from a link or a JSON file, before any checking. */
export type UncheckedPreset = { [K in 'types' | OptionField | `${OptionField}Sha256`]?: unknown };

/** What is wrong with a preset, every problem named (the message the page shows). */
export class PresetError extends QuantsmithError {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/** How fields are named in messages: by their link keys, or by their JSON keys (the field names). */
export type FieldNaming = 'link' | 'json';

export function fieldName(row: QuantizeOptionRow, naming: FieldNaming): string {
  return naming === 'link' ? row.link ?? row.field : row.field;
}

/**
 * Checks every field and returns the preset in canonical form (canonical type spellings, defaults for
 * missing fields). Throws a PresetError naming each problem.
 */
export function checkPreset(raw: UncheckedPreset, naming: FieldNaming = 'link'): Preset {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };

  const types: string[] = [];
  const typesName = naming === 'link' ? 'type' : 'types';
  if (raw.types === undefined) types.push(...DEFAULT_PRESET.types);
  else if (!isStringArray(raw.types) || raw.types.length === 0) problems.push(`${typesName}: expected at least one quant type`);
  else {
    for (const word of raw.types) {
      const ftype = attempt(() => parseFtype(word));
      if (ftype && !types.includes(ftype.name)) types.push(ftype.name);
    }
  }

  const preset: Record<string, unknown> = { types };
  for (const row of PRESET_ROWS) {
    const what = fieldName(row, naming);
    const value = raw[row.field];
    switch (row.kind) {
      case 'flag':
        preset[row.field] = checkFlag(value, what, problems);
        break;
      case 'ggml-type':
        preset[row.field] = checkWritableType(value, what, problems, attempt);
        break;
      case 'tensor-type':
        preset[row.field] = checkTensorTypes(value, what, problems, attempt);
        break;
      case 'kv-override':
        preset[row.field] = checkTexts(value, what, 'KEY=TYPE:VALUE', problems, (text) => attempt(() => parseKvOverrideOption(text)) !== undefined);
        break;
      case 'tensor-name':
        preset[row.field] = checkTexts(value, what, 'tensor names', problems, () => true);
        break;
      case 'file':
        if (row.repeatable) preset[row.field] = checkTexts(value, what, 'file names', problems, (name) => name !== '');
        else {
          if (value !== undefined && typeof value !== 'string') problems.push(`${what}: expected a file name`);
          preset[row.field] = typeof value === 'string' && value !== '' ? value : undefined;
        }
        if (row.linkSha256 !== undefined) checkFileHashes(row, preset, raw, naming, problems);
        break;
      case 'layer-list':
        preset[row.field] = checkLayerList(value, what, problems);
        break;
      case 'split-size':
        preset[row.field] = checkSplitValue(value, what, 'N followed by M or G', problems, attempt, (t) => canonicalSplitSize(t));
        break;
      case 'split-tensors':
        preset[row.field] = checkSplitValue(value, what, 'a whole number', problems, attempt, (t) => String(parseSplitTensorsOption(t)));
        break;
    }
  }
  if (problems.length > 0) throw new PresetError(problems);
  return withoutUndefined(preset) as unknown as Preset;
}

/** The engine's options for one of the preset's types. */
export function toQuantizeOptions(preset: Preset, ftype: string): QuantizeOptions {
  const options: Record<string, unknown> = { ftype };
  const values = preset as unknown as Record<string, unknown>;
  for (const row of PRESET_ROWS) {
    const value = values[row.field];
    options[row.field] = row.kind === 'kv-override' ? (value as string[]).map(parseKvOverrideOption)
      : value === undefined ? undefined
      : row.kind === 'split-size' ? parseSplitSizeOption(value as string)
      : row.kind === 'split-tensors' ? parseSplitTensorsOption(value as string)
      : value;
  }
  return options as unknown as QuantizeOptions;
}

/** A preset value as the text of one link value or command-line argument. */
export function optionValueText(row: QuantizeOptionRow, value: unknown): string {
  if (row.kind === 'tensor-type') {
    const t = value as TensorTypeOverride;
    return `${t.pattern}=${t.type}`;
  }
  return String(value);
}

/** The values a preset gives an option: none, one, or the repeated list. */
export function presetValues(preset: Preset, row: QuantizeOptionRow): unknown[] {
  const value = (preset as unknown as Record<string, unknown>)[row.field];
  if (row.repeatable) return [...(value as unknown[])];
  return value === undefined || value === false ? [] : [value];
}

/** The SHA-256s a preset gives a file row's files (none, or one per file, in order). */
export function presetHashes(preset: Preset, row: QuantizeOptionRow): string[] {
  const value = (preset as unknown as Record<string, unknown>)[fileHashField(row)];
  if (Array.isArray(value)) return [...(value as string[])];
  return typeof value === 'string' ? [value] : [];
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * A file row's hashes: 64 hex digits each (kept lowercase), one per named file at most. A hash beyond the
 * files named has nothing to check and is dropped.
 */
function checkFileHashes(row: QuantizeOptionRow, preset: Record<string, unknown>, raw: UncheckedPreset, naming: FieldNaming, problems: string[]): void {
  const key = fileHashField(row);
  const what = naming === 'link' ? row.linkSha256! : key;
  const value = (raw as Record<string, unknown>)[key];
  const given = value === undefined ? [] : row.repeatable ? value : [value];
  if (!isStringArray(given)) {
    problems.push(`${what}: expected ${row.repeatable ? 'a list of SHA-256 hashes' : 'a SHA-256 hash'}`);
    return;
  }
  const hashes: string[] = [];
  for (const h of given) {
    if (SHA256_HEX.test(h)) hashes.push(h.toLowerCase());
    else problems.push(`${what}: ${JSON.stringify(h)} is not a SHA-256 (64 hexadecimal digits)`);
  }
  const files = row.repeatable ? (preset[row.field] as string[]).length : preset[row.field] === undefined ? 0 : 1;
  const kept = hashes.slice(0, files);
  preset[key] = row.repeatable ? kept : kept[0];
}

type Attempt = <T>(fn: () => T) => T | undefined;

/** "1,3" (a link) or [1, 3] (JSON, the page): block numbers, kept ascending without repeats; none is undefined. */
function checkLayerList(value: unknown, what: string, problems: string[]): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  let layers: number[];
  if (typeof value === 'string') {
    const read = parsePruneText(value);
    if ('error' in read) return void problems.push(`${what}: ${read.error}`);
    layers = read.layers;
  } else if (Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && v >= 0 && v < 2 ** 31)) {
    layers = [...new Set(value as number[])].sort((a, b) => a - b);
  } else return void problems.push(`${what}: expected block numbers, e.g. 1,3`);
  return layers.length > 0 ? layers : undefined;
}

/** "100M" for " 100M" or "0100M": the number gguf-split reads, then its unit. */
function canonicalSplitSize(text: string): string {
  const bytes = parseSplitSizeOption(text);
  return text.trim().endsWith('G') ? `${bytes / 1e9}G` : `${bytes / 1e6}M`;
}

/** A split value: text (or, from JSON, a number of tensors), checked as gguf-split checks it, in canonical form. */
function checkSplitValue(value: unknown, what: string, expected: string, problems: string[], attempt: Attempt, canonical: (text: string) => string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') return void problems.push(`${what}: expected ${expected}`);
  return attempt(() => canonical(String(value)));
}

function checkFlag(value: unknown, what: string, problems: string[]): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  problems.push(`${what}: expected true or false`);
  return false;
}

function checkWritableType(value: unknown, what: string, problems: string[], attempt: Attempt): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return void problems.push(`${what}: expected a ggml type name`);
  return attempt(() => {
    const t = parseGgmlTypeName(value, what);
    if (!t.kernel) throw new QuantsmithError(`${what}: Quantsmith cannot write ${t.name}`);
    return t.name;
  });
}

/** REGEX=TYPE strings or {pattern, type} objects, each a valid regex and type. */
function checkTensorTypes(value: unknown, what: string, problems: string[], attempt: Attempt): TensorTypeOverride[] {
  const tensorTypes: TensorTypeOverride[] = [];
  if (value === undefined) return tensorTypes;
  if (!Array.isArray(value)) {
    problems.push(`${what}: expected a list of REGEX=TYPE`);
    return tensorTypes;
  }
  for (const row of value as unknown[]) {
    const text = typeof row === 'string' ? row : isOverrideObject(row) ? `${row.pattern}=${row.type}` : undefined;
    if (text === undefined) {
      problems.push(`${what}: expected REGEX=TYPE, got ${JSON.stringify(row)}`);
      continue;
    }
    if (isOverrideObject(row) && row.pattern.includes('=')) {
      // llama-quantize splits REGEX=TYPE at the first '=', so a pattern cannot hold one
      problems.push(`${what}: the pattern '${row.pattern}' cannot contain '='`);
      continue;
    }
    const parsed = attempt(() => parseTensorTypeOption(text));
    if (parsed && attempt(() => checkRegex(parsed.pattern, what)) !== undefined) tensorTypes.push(parsed);
  }
  return tensorTypes;
}

/** A list of strings, each kept when `valid` accepts it. */
function checkTexts(value: unknown, what: string, expected: string, problems: string[], valid: (text: string) => boolean): string[] {
  if (value === undefined) return [];
  if (!isStringArray(value)) {
    problems.push(`${what}: expected a list of ${expected}`);
    return [];
  }
  return value.filter(valid);
}

function checkRegex(pattern: string, what: string): true {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    throw new QuantsmithError(`${what}: '${pattern}' is not a valid regular expression`);
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isOverrideObject(v: unknown): v is { pattern: string; type: string } {
  return typeof v === 'object' && v !== null && typeof (v as { pattern?: unknown }).pattern === 'string'
    && typeof (v as { type?: unknown }).type === 'string';
}

function withoutUndefined<T extends object>(o: T): T {
  const copy = { ...o } as Record<string, unknown>;
  for (const k of Object.keys(copy)) if (copy[k] === undefined) delete copy[k];
  return copy as T;
}
