// A preset's link form: the URL fragment, in llama-quantize's option words, readable and editable by hand:
//   #type=Q4_K_M,Q8_0&pure&output-tensor-type=q6_K&tensor-type=attn_v%3Dq8_0&override-kv=general.name%3Dstr:x
// The options are the option table's rows with a link key, in table order. Values are percent-encoded
// without '+'-as-space, so regexes keep their '+'. Flags are bare words; repeatable options repeat.
import { oneLine, quoted } from '../../core/errors.ts';
import { fileHashField, PRESET_OPTION_ROWS, type QuantizeOptionRow } from '../../core/quant/option-table.ts';
import { parseFtype } from '../../core/quant/ftypes.ts';
import { checkPreset, optionValueText, presetHashes, presetValues, PresetError, type Preset, type UncheckedPreset } from './preset.ts';

const TYPES_KEY = 'type';
const ROW_BY_KEY = new Map(PRESET_OPTION_ROWS.map((r) => [r.link!, r]));
/** the keys of the hashes of the files a preset names (imatrix-sha256 …), by their file's row */
const HASH_ROW_BY_KEY = new Map<string, QuantizeOptionRow>(PRESET_OPTION_ROWS.flatMap((r) => (r.linkSha256 ? [[r.linkSha256, r] as const] : [])));

/** The fragment (without '#') for a preset; the same preset always gives the same text. */
export function encodePresetLink(p: Preset): string {
  const parts = [`${TYPES_KEY}=${p.types.map(enc).join(',')}`];
  for (const row of PRESET_OPTION_ROWS) {
    // a file's hash follows its name: the two pair by position
    const hashes = row.linkSha256 ? presetHashes(p, row) : [];
    presetValues(p, row).forEach((v, i) => {
      parts.push(row.kind === 'flag' ? row.link! : `${row.link}=${enc(optionValueText(row, v))}`);
      if (hashes[i] !== undefined) parts.push(`${row.linkSha256}=${hashes[i]}`);
    });
  }
  return parts.join('&');
}

export type LinkReading =
  | { readonly kind: 'none' }
  | { readonly kind: 'preset'; readonly preset: Preset }
  | { readonly kind: 'malformed'; readonly message: string };

/**
 * Reads a fragment (with or without its '#'). An empty fragment is no preset; anything else either is a
 * valid preset or is malformed, with a message naming every problem.
 */
export function decodePresetLink(fragment: string): LinkReading {
  const fields = parseLinkFields(fragment);
  if (!fields) return { kind: 'none' };
  const { raw, problems } = fields;
  try {
    const preset = checkPreset(raw as UncheckedPreset);
    if (problems.length > 0) throw new PresetError(problems);
    return { kind: 'preset', preset };
  } catch (err) {
    const all = err instanceof PresetError ? [...problems, ...err.problems] : [...problems, String(err)];
    return { kind: 'malformed', message: oneLine(unique(all).join('; ')) };
  }
}

export type PartialLinkReading =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'read';
      /** the link's valid fields over the defaults */
      readonly preset: Preset;
      /** what could not be used, each problem once */
      readonly problems: readonly string[];
    };

/**
 * Reads a link as a person means it: every valid field (and every valid item of a list) is applied,
 * each invalid one named once. The types default when none is usable.
 */
export function readPresetLink(fragment: string): PartialLinkReading {
  const fields = parseLinkFields(fragment);
  if (!fields) return { kind: 'none' };
  const problems = [...fields.problems];
  const usable: Record<string, unknown> = {};
  const keep = (field: string, value: unknown): boolean => {
    try {
      checkPreset({ [field]: value } as UncheckedPreset);
      return true;
    } catch (err) {
      problems.push(...(err instanceof PresetError ? err.problems : [String(err)]));
      return false;
    }
  };
  for (const [field, written] of Object.entries(fields.raw)) {
    // type names are case-insensitive: Q9_Z and q9_z are one problem
    const value = field === 'types' ? unique((written as string[]).map((w) => w.trim().toUpperCase())) : written;
    if (Array.isArray(value)) {
      // one by one: a bad item does not take the good ones with it
      const items = value.filter((item) => keep(field, [item]));
      if (field !== 'types' || items.length > 0) usable[field] = items;
    } else if (keep(field, value)) usable[field] = value;
  }
  if (Array.isArray(usable.types) && usable.imatrixFile === undefined) {
    // not a problem of the link, but not to be taken in silence either
    for (const t of usable.types as string[]) {
      if (parseFtype(t).needsImatrix) problems.push(`type: ${parseFtype(t).name} needs an importance matrix; open one beside the model`);
    }
  }
  return { kind: 'read', preset: checkPreset(usable as UncheckedPreset), problems: unique(problems).map((p) => oneLine(p)) };
}

/** The fragment's fields as written (not yet checked), and the problems of its syntax; undefined when empty. */
function parseLinkFields(fragment: string): { raw: Record<string, unknown>; problems: string[] } | undefined {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (text.trim() === '') return undefined;
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const row of PRESET_OPTION_ROWS) if (row.repeatable) raw[row.field] = [];
  for (const row of HASH_ROW_BY_KEY.values()) if (row.repeatable) raw[fileHashField(row)] = [];
  const seen = new Set<string>();

  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = dec(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? undefined : dec(part.slice(eq + 1));
    if (key === undefined || (eq >= 0 && value === undefined)) {
      problems.push(`${quoted(part)} is not valid percent-encoding`);
      continue;
    }
    const hashOf = HASH_ROW_BY_KEY.get(key);
    if (hashOf) {
      if (!hashOf.repeatable && seen.has(key)) problems.push(`option ${quoted(key)} is given twice`);
      else if (!value) problems.push(`${key}: expected a SHA-256 hash`);
      else if (hashOf.repeatable) (raw[fileHashField(hashOf)] as string[]).push(value);
      else raw[fileHashField(hashOf)] = value;
      seen.add(key);
      continue;
    }
    const row = ROW_BY_KEY.get(key);
    if (key !== TYPES_KEY && !row) {
      problems.push(`unknown option ${quoted(key)}`);
      continue;
    }
    if (!row?.repeatable) {
      if (seen.has(key)) {
        problems.push(`option ${quoted(key)} is given twice`);
        continue;
      }
      seen.add(key);
    }
    if (!row) {
      raw.types = (value ?? '').split(',').filter((w) => w !== '');
    } else if (row.kind === 'flag') {
      const on = readFlag(value);
      if (on === undefined) problems.push(`${key}: expected no value, got ${quoted(value ?? '')}`);
      else raw[row.field] = on;
    } else if (row.repeatable) {
      (raw[row.field] as string[]).push(value ?? '');
    } else if (!value) {
      problems.push(`${key}: expected ${row.kind === 'ggml-type' ? 'a ggml type name' : 'a value'}`);
    } else {
      raw[row.field] = value;
    }
  }
  return { raw, problems };
}

const unique = (items: readonly string[]): string[] => [...new Set(items)];

function readFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '' || value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

/** encodeURIComponent, keeping the characters that are safe in a fragment and common in these values. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/%(3A|3D|2C|2F|40|5B|5D|7C|5E|24)/g, (m) => decodeURIComponent(m));
}

function dec(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
