// gguf-py's SpecialVocab: merges, special token ids, add_bos/add_eos/add_sep flags, the chat template and
// normalizer flags, found in tokenizer.json, tokenizer_config.json, chat_template.* and config.json, and
// written in its order. Its guesses from tokenizer.json's post-processor are reproduced as they are.
import { GgufValueType } from '../../gguf/model.ts';
import { QuantsmithError } from '../../../errors.ts';
import type { FolderFiles } from '../folder-files.ts';
import { isObject, type Json } from '../hparams.ts';
import type { KvWriter } from '../kv-writer.ts';
import { comparePy, isPyInt, pyTruthy } from '../python-compat.ts';

export interface SpecialVocabOptions {
  loadMerges?: boolean;
  specialTokenTypes?: readonly string[];
  /** ids at or past this are ignored */
  nVocab?: number;
}

export type ChatTemplate = string | { name?: unknown; template?: unknown }[];

const DEFAULT_TYPES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'];
/** types GGUFWriter has an add_<type>_token_id method for; others are skipped */
const ID_KEYS: Record<string, string> = {
  bos: 'tokenizer.ggml.bos_token_id', eos: 'tokenizer.ggml.eos_token_id', unk: 'tokenizer.ggml.unknown_token_id',
  sep: 'tokenizer.ggml.seperator_token_id', pad: 'tokenizer.ggml.padding_token_id', mask: 'tokenizer.ggml.mask_token_id',
  eot: 'tokenizer.ggml.eot_token_id', eom: 'tokenizer.ggml.eom_token_id',
};
const ADD_KEYS: Record<string, string> = {
  bos: 'tokenizer.ggml.add_bos_token', eos: 'tokenizer.ggml.add_eos_token', sep: 'tokenizer.ggml.add_sep_token',
};

export class SpecialVocab {
  merges: string[] = [];
  readonly addSpecialToken = new Map<string, boolean>();
  readonly specialTokenIds = new Map<string, number>();
  chatTemplate: ChatTemplate | null = null;
  normalizerLowercase: boolean | null = null;
  normalizerStripAccents: boolean | null = null;
  private specialTokenTypes: string[];
  private readonly loadMerges: boolean;
  private readonly nVocab: number | undefined;

  private constructor(options: SpecialVocabOptions) {
    this.loadMerges = options.loadMerges ?? false;
    this.specialTokenTypes = [...(options.specialTokenTypes ?? DEFAULT_TYPES)];
    this.nVocab = options.nVocab;
  }

  static async load(files: FolderFiles, options: SpecialVocabOptions = {}): Promise<SpecialVocab> {
    const v = new SpecialVocab(options);
    await v.loadFromTokenizerJson(files);
    await v.loadFromConfigJson(files);
    if (v.loadMerges && v.merges.length === 0) await v.loadMergesTxt(files);
    return v;
  }

  /** _set_special_token: the first id found for a type wins; non-integers are ignored. */
  setSpecialToken(type: string, id: unknown): void {
    if (!isPyInt(id)) return;
    const n = Number(id);
    if (n < 0) throw new QuantsmithError(`invalid id ${n} for the ${type} token`);
    if (this.nVocab !== undefined && n >= this.nVocab) return;
    if (!this.specialTokenIds.has(type)) this.specialTokenIds.set(type, n);
  }

  /** add_to_gguf */
  addToGguf(kv: KvWriter): void {
    if (this.merges.length > 0) kv.addTypedArray('tokenizer.ggml.merges', GgufValueType.STRING, this.merges);
    for (const [type, id] of this.specialTokenIds) {
      const key = ID_KEYS[type];
      if (key) kv.addUint32(key, id);
    }
    for (const [type, value] of this.addSpecialToken) {
      const key = ADD_KEYS[type];
      if (key) kv.addBool(key, value);
    }
    if (this.chatTemplate !== null) addChatTemplate(kv, this.chatTemplate);
    if (this.normalizerLowercase !== null) kv.addBool('tokenizer.ggml.normalizer.lowercase', this.normalizerLowercase);
    if (this.normalizerStripAccents !== null) kv.addBool('tokenizer.ggml.normalizer.strip_accents', this.normalizerStripAccents);
  }

  private async loadMergesTxt(files: FolderFiles): Promise<void> {
    if (!files.has('merges.txt')) return;
    const lines = (await files.text('merges.txt')).split(/\r\n|\r|\n/);
    if ((lines[0] ?? '').trim().startsWith('#')) lines.shift();
    const merges: string[] = [];
    for (const raw of lines) {
      const parts = raw.trim().split(/\s+/).filter((p) => p !== '');
      if (parts.length === 2) merges.push(`${parts[0]} ${parts[1]}`);
    }
    this.merges = merges;
  }

  private parseNormalizer(normalizer: Json): void {
    const type = normalizer.type;
    if (type === 'Lowercase') this.normalizerLowercase = true;
    else if (type === 'StripAccents') this.normalizerStripAccents = true;
    else if (type === 'BertNormalizer') {
      if ('lowercase' in normalizer) this.normalizerLowercase = normalizer.lowercase as boolean;
      if ('strip_accents' in normalizer) this.normalizerStripAccents = normalizer.strip_accents as boolean;
    } else if (type === 'Sequence') {
      for (const n of Array.isArray(normalizer.normalizers) ? normalizer.normalizers : []) if (isObject(n)) this.parseNormalizer(n);
    }
  }

  private async loadFromTokenizerJson(files: FolderFiles): Promise<void> {
    let tokenizer: Json | undefined;
    let addedTokens: unknown[] = [];
    if (files.has('tokenizer.json')) {
      tokenizer = await files.jsonObject('tokenizer.json');
      if (this.loadMerges) this.merges = readMerges(tokenizer);
      if (isObject(tokenizer.normalizer)) this.parseNormalizer(tokenizer.normalizer);
      const added = tokenizer.added_tokens;
      addedTokens = Array.isArray(added) ? added : [];
    }
    // a copy: the post-processor guesses below write into it, as the converter does into its dict
    const loaded = await files.optionalObject('tokenizer_config.json');
    const config: Json | undefined = loaded ? { ...loaded } : undefined;
    if (tokenizer && pyTruthy(tokenizer)) this.guessFromPostProcessor(tokenizer, config);
    if (!config || !pyTruthy(config)) return;

    const alt = await chatTemplateFiles(files);
    const template = 'chat_template' in config ? config.chat_template : alt;
    if (template === null || template === undefined) this.chatTemplate = null;
    else if (typeof template === 'string' || Array.isArray(template)) this.chatTemplate = template as ChatTemplate;

    for (const type of this.specialTokenTypes) {
      const add = config[`add_${type}_token`];
      if (typeof add === 'boolean') this.addSpecialToken.set(type, add);
      const entry = config[`${type}_token`];
      let content: string;
      if (typeof entry === 'string') content = entry;
      else if (isObject(entry) && typeof entry.content === 'string') content = entry.content;
      else continue;
      const match = addedTokens.find((t) => isObject(t) && t.content === content);
      this.setSpecialToken(type, isObject(match) ? match.id : undefined);
    }
  }

  /** The converter's reading of RobertaProcessing / TemplateProcessing post-processors. */
  private guessFromPostProcessor(tokenizer: Json, config: Json | undefined): void {
    const has = config !== undefined && pyTruthy(config);
    let bos = config?.bos_token;
    let cls = config?.cls_token;
    let eos = config?.eos_token;
    let sep = config?.sep_token;
    if (!pyTruthy(bos) && pyTruthy(cls) && has) config!.bos_token = bos = cls;
    if (!pyTruthy(eos) && pyTruthy(sep) && has) config!.eos_token = eos = sep;
    const post = tokenizer.post_processor;
    if (!isObject(post) || !pyTruthy(post)) return;
    const processors = 'processors' in post ? post.processors : [post];
    for (const p of Array.isArray(processors) ? processors : []) {
      if (!isObject(p)) continue;
      if (p.type === 'RobertaProcessing') {
        this.addSpecialToken.set('bos', true);
        this.addSpecialToken.set('eos', true);
        this.addSpecialToken.set('sep', true);
        if (!pyTruthy(cls) && has) config!.cls_token = cls = firstOf(p.cls, bos);
        if (!pyTruthy(sep) && has) config!.sep_token = sep = firstOf(p.sep, eos);
        continue;
      }
      if (p.type !== 'TemplateProcessing') continue;
      const single = Array.isArray(p.single) ? p.single : [];
      let pair = Array.isArray(p.pair) ? p.pair : [];
      let first: string | undefined;
      let last: string | undefined;
      if (single.length > 1) {
        first = specialId(single[0]);
        if (first) {
          if (!has) bos = first;
          else if (first !== bos && first !== cls) {
            if (!pyTruthy(bos)) config!.bos_token = bos = first;
            if (!pyTruthy(cls)) config!.cls_token = cls = first;
          }
          this.addSpecialToken.set('bos', first === bos || first === cls);
        }
        last = specialId(single[single.length - 1]);
        if (last) {
          if (!has) eos = last;
          else if (last !== eos) {
            if (!this.specialTokenTypes.includes('eot')) {
              this.specialTokenTypes.push('eot');
              config!.eot_token = eos;
            } else if (!this.specialTokenTypes.includes('eom')) {
              this.specialTokenTypes.push('eom');
              config!.eom_token = eos;
            }
            config!.eos_token = eos = last;
          }
          this.addSpecialToken.set('eos', last === eos);
        }
      }
      if (pair.length > 0) {
        const start = first && specialId(pair[0]) === first ? 1 : 0;
        const stop = last && specialId(pair[pair.length - 1]) === last ? pair.length - 1 : pair.length;
        pair = pair.slice(start, stop);
        if (pair.length > 0) {
          const a = sequenceId(pair[0]);
          const b = sequenceId(pair[pair.length - 1]);
          const middle = pair.slice(1, -1);
          if (a === 'A' && b === 'B' && middle.length > 0) {
            let addSep = false;
            const entry = specialId(middle[0]);
            if (entry && (entry === sep || entry === eos) && !last) addSep = true;
            if (middle.length === 2) {
              const second = specialId(middle[1]);
              if (second && (second === sep || second === eos)) addSep = true;
            }
            this.addSpecialToken.set('sep', addSep);
            if (addSep && !pyTruthy(sep) && has) config!.sep_token = eos;
          }
        }
      }
    }
  }

  private async loadFromConfigJson(files: FolderFiles): Promise<void> {
    if (!files.has('config.json')) return;
    const config = await files.jsonObject('config.json');
    for (const type of this.specialTokenTypes) {
      let id = config[`${type}_token_id`];
      if ((id === undefined || id === null) && isObject(config.text_config)) id = config.text_config[`${type}_token_id`];
      this.setSpecialToken(type, id);
    }
  }
}

function readMerges(tokenizer: Json): string[] {
  const model = isObject(tokenizer.model) ? tokenizer.model : {};
  const merges = model.merges;
  if (!Array.isArray(merges) || merges.length === 0) return [];
  if (typeof merges[0] === 'string') return merges as string[];
  if (Array.isArray(merges[0]) && merges[0].length === 2 && typeof merges[0][0] === 'string') {
    // pairs (transformers >= 4.45) may hold spaces; the GGUF form encodes them as U+0120
    return (merges as string[][]).map((pair) => pair.map((part) => part.replaceAll(' ', '\u0120')).join(' '));
  }
  throw new QuantsmithError('tokenizer.json: unknown format of model.merges');
}

function specialId(item: unknown): string | undefined {
  const special = isObject(item) ? item.SpecialToken : undefined;
  const id = isObject(special) ? special.id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function sequenceId(item: unknown): unknown {
  const seq = isObject(item) ? item.Sequence : undefined;
  return isObject(seq) ? seq.id : undefined;
}

function firstOf(list: unknown, fallback: unknown): unknown {
  return Array.isArray(list) ? list[0] : fallback;
}

/** chat_template.jinja (with additional_chat_templates/*.jinja), else chat_template.json's "chat_template". */
async function chatTemplateFiles(files: FolderFiles): Promise<ChatTemplate | null> {
  if (files.has('chat_template.jinja')) {
    const main = await files.text('chat_template.jinja');
    const extra = files.list().filter((f) => /^additional_chat_templates\/[^/]+\.jinja$/.test(f)).sort(comparePy);
    if (extra.length === 0) return main;
    const list: { name: string; template: string }[] = [{ name: 'default', template: main }];
    for (const f of extra) list.push({ name: f.slice('additional_chat_templates/'.length, -'.jinja'.length), template: await files.text(f) });
    return list;
  }
  if (files.has('chat_template.json')) {
    const json = await files.json('chat_template.json');
    const t = isObject(json) ? json.chat_template : undefined;
    return (t ?? null) as ChatTemplate | null;
  }
  return null;
}

/** GGUFWriter.add_chat_template: a list gives named templates (names reduced to [A-Za-z0-9_]) and a default. */
export function addChatTemplate(kv: KvWriter, value: ChatTemplate): void {
  let template: unknown = value;
  if (typeof value !== 'string') {
    let fallback: unknown;
    const names: string[] = [];
    for (const choice of value) {
      if (!isObject(choice)) continue;
      const name = String(choice.name ?? '').replace(/[^A-Za-z0-9]/gu, '_');
      if (!name || choice.template === undefined || choice.template === null) continue;
      if (name === 'default') fallback = choice.template;
      else {
        if (!names.includes(name)) names.push(name);
        kv.addString(`tokenizer.chat_template.${name}`, choice.template);
      }
    }
    // the converter collects the names in a Python set, so their order there is not reproducible
    if (names.length > 0) kv.addTypedArray('tokenizer.chat_templates', GgufValueType.STRING, names);
    if (fallback === undefined) return;
    template = fallback;
  }
  kv.addString('tokenizer.chat_template', template);
}
