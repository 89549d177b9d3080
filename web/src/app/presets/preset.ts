// A preset is the whole choice a person makes before a run: which quant types (several at once) and the
// advanced options, in llama-quantize's words. It has a link form (preset-url.ts) and a JSON form
// (preset-json.ts); both go through `checkPreset`, so a preset from anywhere is valid the same way.
import { QuantsmithError } from '../../core/errors.ts';
import { parseFtype } from '../../core/quant/ftypes.ts';
import {
  parseGgmlTypeName,
  parseKvOverrideOption,
  parseTensorTypeOption,
  type QuantizeOptions,
  type TensorTypeOverride,
} from '../../core/quant/options.ts';

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
}

export const DEFAULT_PRESET: Preset = Object.freeze({
  types: Object.freeze(['Q4_K_M']),
  leaveOutputTensor: false,
  pure: false,
  allowRequantize: false,
  tensorTypes: Object.freeze([]),
  kvOverrides: Object.freeze([]),
});

/** A preset's fields as they come from a link or a JSON file, before any checking. */
export interface UncheckedPreset {
  types?: unknown;
  outputTensorType?: unknown;
  tokenEmbeddingType?: unknown;
  leaveOutputTensor?: unknown;
  pure?: unknown;
  allowRequantize?: unknown;
  /** "REGEX=TYPE" strings or {pattern, type} objects */
  tensorTypes?: unknown;
  kvOverrides?: unknown;
}

/** What is wrong with a preset, every problem named (the message the page shows). */
export class PresetError extends QuantsmithError {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/**
 * Checks every field and returns the preset in canonical form (canonical type spellings, defaults for
 * missing fields). Throws a PresetError naming each problem.
 */
export function checkPreset(raw: UncheckedPreset, names: FieldNames = LINK_NAMES): Preset {
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
  if (raw.types === undefined) types.push(...DEFAULT_PRESET.types);
  else if (!isStringArray(raw.types) || raw.types.length === 0) problems.push(`${names.types}: expected at least one quant type`);
  else {
    for (const word of raw.types) {
      const ftype = attempt(() => parseFtype(word));
      if (ftype && !types.includes(ftype.name)) types.push(ftype.name);
    }
  }

  const ggml = (value: unknown, what: string): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') return void problems.push(`${what}: expected a ggml type name`);
    return attempt(() => {
      const t = parseGgmlTypeName(value, what);
      if (!t.kernel) throw new QuantsmithError(`${what}: Quantsmith cannot write ${t.name}`);
      return t.name;
    });
  };
  const flag = (value: unknown, what: string): boolean => {
    if (value === undefined) return false;
    if (typeof value === 'boolean') return value;
    problems.push(`${what}: expected true or false`);
    return false;
  };

  const tensorTypes: TensorTypeOverride[] = [];
  if (raw.tensorTypes !== undefined) {
    if (!Array.isArray(raw.tensorTypes)) problems.push(`${names.tensorTypes}: expected a list of REGEX=TYPE`);
    else {
      for (const row of raw.tensorTypes as unknown[]) {
        const text = typeof row === 'string' ? row : isOverrideObject(row) ? `${row.pattern}=${row.type}` : undefined;
        if (text === undefined) {
          problems.push(`${names.tensorTypes}: expected REGEX=TYPE, got ${JSON.stringify(row)}`);
          continue;
        }
        if (isOverrideObject(row) && row.pattern.includes('=')) {
          // llama-quantize splits REGEX=TYPE at the first '=', so a pattern cannot hold one
          problems.push(`${names.tensorTypes}: the pattern '${row.pattern}' cannot contain '='`);
          continue;
        }
        const parsed = attempt(() => parseTensorTypeOption(text));
        if (parsed && attempt(() => checkRegex(parsed.pattern, names.tensorTypes)) !== undefined) tensorTypes.push(parsed);
      }
    }
  }

  const kvOverrides: string[] = [];
  if (raw.kvOverrides !== undefined) {
    if (!isStringArray(raw.kvOverrides)) problems.push(`${names.kvOverrides}: expected a list of KEY=TYPE:VALUE`);
    else {
      for (const text of raw.kvOverrides) if (attempt(() => parseKvOverrideOption(text))) kvOverrides.push(text);
    }
  }

  const preset: Preset = {
    types,
    outputTensorType: ggml(raw.outputTensorType, names.outputTensorType),
    tokenEmbeddingType: ggml(raw.tokenEmbeddingType, names.tokenEmbeddingType),
    leaveOutputTensor: flag(raw.leaveOutputTensor, names.leaveOutputTensor),
    pure: flag(raw.pure, names.pure),
    allowRequantize: flag(raw.allowRequantize, names.allowRequantize),
    tensorTypes,
    kvOverrides,
  };
  if (problems.length > 0) throw new PresetError(problems);
  return withoutUndefined(preset);
}

/** The engine's options for one of the preset's types. */
export function toQuantizeOptions(preset: Preset, ftype: string): QuantizeOptions {
  return {
    ftype,
    outputTensorType: preset.outputTensorType,
    tokenEmbeddingType: preset.tokenEmbeddingType,
    leaveOutputTensor: preset.leaveOutputTensor,
    pure: preset.pure,
    allowRequantize: preset.allowRequantize,
    tensorTypes: preset.tensorTypes,
    kvOverrides: preset.kvOverrides.map(parseKvOverrideOption),
  };
}

/** How each field is named in messages: the link's option names by default. */
export interface FieldNames {
  types: string;
  outputTensorType: string;
  tokenEmbeddingType: string;
  leaveOutputTensor: string;
  pure: string;
  allowRequantize: string;
  tensorTypes: string;
  kvOverrides: string;
}

export const LINK_NAMES: FieldNames = {
  types: 'type',
  outputTensorType: 'output-tensor-type',
  tokenEmbeddingType: 'token-embedding-type',
  leaveOutputTensor: 'leave-output-tensor',
  pure: 'pure',
  allowRequantize: 'allow-requantize',
  tensorTypes: 'tensor-type',
  kvOverrides: 'override-kv',
};

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
