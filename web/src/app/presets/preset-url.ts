// A preset's link form: the URL fragment, in llama-quantize's option words, readable and editable by hand:
//   #type=Q4_K_M,Q8_0&output-tensor-type=q6_K&pure&tensor-type=attn_v%3Dq8_0&override-kv=general.name%3Dstr:x
// Values are percent-encoded without '+'-as-space, so regexes keep their '+'. Flags are bare words.
import { oneLine, quoted } from '../../core/errors.ts';
import { checkPreset, LINK_NAMES, PresetError, type Preset, type UncheckedPreset } from './preset.ts';

const K = LINK_NAMES;
const SINGLE = new Set([K.types, K.outputTensorType, K.tokenEmbeddingType, K.leaveOutputTensor, K.pure, K.allowRequantize]);
const REPEATED = new Set([K.tensorTypes, K.kvOverrides]);

/** The fragment (without '#') for a preset; the same preset always gives the same text. */
export function encodePresetLink(p: Preset): string {
  const parts = [`${K.types}=${p.types.map(enc).join(',')}`];
  if (p.outputTensorType) parts.push(`${K.outputTensorType}=${enc(p.outputTensorType)}`);
  if (p.tokenEmbeddingType) parts.push(`${K.tokenEmbeddingType}=${enc(p.tokenEmbeddingType)}`);
  if (p.leaveOutputTensor) parts.push(K.leaveOutputTensor);
  if (p.pure) parts.push(K.pure);
  if (p.allowRequantize) parts.push(K.allowRequantize);
  for (const t of p.tensorTypes) parts.push(`${K.tensorTypes}=${enc(`${t.pattern}=${t.type}`)}`);
  for (const kv of p.kvOverrides) parts.push(`${K.kvOverrides}=${enc(kv)}`);
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
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (text.trim() === '') return { kind: 'none' };
  const problems: string[] = [];
  const raw: UncheckedPreset & { tensorTypes: string[]; kvOverrides: string[] } = { tensorTypes: [], kvOverrides: [] };
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
    if (!SINGLE.has(key) && !REPEATED.has(key)) {
      problems.push(`unknown option ${quoted(key)}`);
      continue;
    }
    if (SINGLE.has(key)) {
      if (seen.has(key)) {
        problems.push(`option ${quoted(key)} is given twice`);
        continue;
      }
      seen.add(key);
    }
    switch (key) {
      case K.types:
        raw.types = (value ?? '').split(',').filter((w) => w !== '');
        break;
      case K.outputTensorType:
        raw.outputTensorType = value ?? '';
        if (!value) problems.push(`${key}: expected a ggml type name`);
        break;
      case K.tokenEmbeddingType:
        raw.tokenEmbeddingType = value ?? '';
        if (!value) problems.push(`${key}: expected a ggml type name`);
        break;
      case K.leaveOutputTensor:
      case K.pure:
      case K.allowRequantize: {
        const on = readFlag(value);
        if (on === undefined) problems.push(`${key}: expected no value, got ${quoted(value ?? '')}`);
        raw[key === K.pure ? 'pure' : key === K.allowRequantize ? 'allowRequantize' : 'leaveOutputTensor'] = on ?? false;
        break;
      }
      case K.tensorTypes:
        raw.tensorTypes.push(value ?? '');
        break;
      case K.kvOverrides:
        raw.kvOverrides.push(value ?? '');
        break;
    }
  }

  try {
    const preset = checkPreset(raw);
    if (problems.length > 0) throw new PresetError(problems);
    return { kind: 'preset', preset };
  } catch (err) {
    const all = err instanceof PresetError ? [...problems, ...err.problems] : [...problems, String(err)];
    return { kind: 'malformed', message: oneLine(all.join('; ')) };
  }
}

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
