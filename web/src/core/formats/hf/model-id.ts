// gguf-py's model naming heuristics (Metadata.get_model_id_components, id_to_title, size_label): how the
// converter turns "meta-llama/Llama-3.2-1B-Instruct" or a folder name into name, basename, finetune,
// version and size label.
import {
  formatFixed, isPyAlpha, isPyDecimal, parsePyFloat, pyIsLower, pySplit, pyTitle, roundHalfEven,
} from './python-compat.ts';

export interface ModelIdComponents {
  readonly fullName?: string;
  readonly organization?: string;
  readonly basename?: string;
  readonly finetune?: string;
  readonly version?: string;
  readonly sizeLabel?: string;
}

type Tag = 'basename' | 'size_label' | 'finetune' | 'version' | 'type';

const VERSION = /^(v|iter)?\p{Nd}+([.]\p{Nd}+)*$/iu;
const QUANT_TYPE = /^(i?q\p{Nd}(_\w)*|b?fp?(16|32))$/iu;
const SIZE = /^(([A]|\p{Nd}+[x])?\p{Nd}+([._]\p{Nd}+)?[KMBT][\p{Nd}]?|small|mini|medium|large|x?xl)$/iu;
const FINETUNE = /^(chat|instruct|vision|lora)$/i;
const VERSION_WORD = /^(v\p{Nd}+(?:\.\p{Nd}+)*|\p{Nd}.*)$/u;

/** Metadata.id_to_title: capitalize words unless they are acronyms or version numbers. */
export function idToTitle(s: string): string {
  return pySplit(s.trim().replaceAll('-', ' '))
    .map((w) => (pyIsLower(w) && !VERSION_WORD.test(w) ? pyTitle(w) : w))
    .join(' ');
}

/** Metadata.get_model_id_components */
export function modelIdComponents(modelId: string | undefined, totalParams: number): ModelIdComponents {
  if (modelId === undefined) return {};
  if (modelId.includes(' ')) return { fullName: modelId };
  let org: string | undefined;
  let fullName: string;
  const slash = modelId.indexOf('/');
  if (slash >= 0) {
    org = modelId.slice(0, slash);
    fullName = modelId.slice(slash + 1);
  } else fullName = modelId;
  if (org !== undefined && org.length > 0 && org[0] === '.') org = undefined;

  const parts = fullName.split('-').filter((p) => p.length > 0);
  const tags: Set<Tag>[] = parts.map(() => new Set<Tag>());
  parts.forEach((part, i) => {
    const t = tags[i]!;
    if (VERSION.test(part)) t.add('version');
    else if (QUANT_TYPE.test(part)) {
      t.add('type');
      parts[i] = part.toUpperCase();
    } else if (i > 0 && SIZE.test(part)) {
      let p = part.replaceAll('_', '.');
      const chars = [...p];
      // bloom-7b1 → 7.1b
      if (isPyDecimal(chars[chars.length - 1])) {
        p = chars.slice(0, -2).join('') + '.' + chars[chars.length - 1] + chars[chars.length - 2];
      }
      const c = [...p];
      if (c.length > 1 && isPyDecimal(c[c.length - 2]) && 'kmbt'.includes(c[c.length - 1]!)) {
        p = c.slice(0, -1).join('') + c[c.length - 1]!.toUpperCase();
      }
      if (totalParams !== 0) {
        const pc = [...p];
        const value = parsePyFloat(pc.slice(0, -1).join(''));
        if (value !== undefined) {
          const labelParams = value * 1000 ** ' KMBT'.indexOf(pc[pc.length - 1]!);
          const far = (totalParams < 0 && labelParams < Math.floor(Math.abs(totalParams) / 8))
            || (totalParams > 0 && Math.abs(labelParams - totalParams) > Math.floor((7 * totalParams) / 8));
          if (far) {
            // likely a context length
            t.add('finetune');
            p = pc.slice(0, -1).join('') + pc[pc.length - 1]!.toLowerCase();
          }
        }
      }
      if (t.size === 0) t.add('size_label');
      parts[i] = p;
    } else if (i > 0 && FINETUNE.test(part)) {
      if (totalParams < 0 && part.toLowerCase() === 'lora') t.add('type');
      else t.add('finetune');
    }
  });

  // word-based size labels give way to a number-based one
  const numericSize = parts.some((p, i) => tags[i]!.has('size_label') && [...p].some(isPyDecimal));
  if (numericSize) {
    parts.forEach((p, i) => {
      if (tags[i]!.has('size_label') && [...p].every(isPyAlpha)) tags[i]!.delete('size_label');
    });
  }

  let atStart = true;
  parts.forEach((p, i) => {
    const t = tags[i]!;
    if (atStart && ((t.size === 0 && isPyAlpha([...p][0])) || t.has('version'))) t.add('basename');
    else {
      atStart = false;
      if (t.size === 0) t.add('finetune');
    }
  });
  // a trailing version is not part of the basename
  for (let i = parts.length - 1; i >= 0; i--) {
    const t = tags[i]!;
    if (t.has('basename') && t.size > 1) t.delete('basename');
    else break;
  }

  const join = (tag: Tag, unique = false) => {
    const picked = parts.filter((_, i) => tags[i]!.has(tag));
    return (unique ? [...new Set(picked)] : picked).join('-') || undefined;
  };
  let basename = join('basename');
  const sizeLabel = join('size_label', true);
  const finetune = join('finetune');
  const version = parts.filter((_, i) => tags[i]!.has('version') && !tags[i]!.has('basename')).join('-') || undefined;
  if (sizeLabel === undefined && finetune === undefined && version === undefined) basename = undefined; // too ambiguous
  return { fullName, organization: org, basename, finetune, version, sizeLabel };
}

/** gguf.size_label for a model without experts: "5M", "1.2B", "0.5K" */
export function sizeLabel(totalParams: number): string {
  const n = Math.abs(totalParams);
  let scaled: number;
  let suffix: string;
  if (n > 1e12) [scaled, suffix] = [n * 1e-12, 'T'];
  else if (n > 1e9) [scaled, suffix] = [n * 1e-9, 'B'];
  else if (n > 1e6) [scaled, suffix] = [n * 1e-6, 'M'];
  else [scaled, suffix] = [n * 1e-3, 'K'];
  const digits = Math.max(2 - String(roundHalfEven(scaled)).replace(/^0+/, '').length, 0);
  return formatFixed(scaled, digits) + suffix;
}
