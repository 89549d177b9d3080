// The general.* metadata llama.cpp's converter writes (gguf.Metadata.load and set_gguf_meta_model): sampling
// defaults from generation_config.json, then name, basename, size label, license, tags, base models … from
// the model card, config.json's _name_or_path and the folder name, in that order of precedence.
import { QuantsmithError } from '../../errors.ts';
import type { FolderFiles } from './folder-files.ts';
import { isObject, type Json } from './hparams.ts';
import type { KvWriter } from './kv-writer.ts';
import { loadModelCard } from './model-card.ts';
import { idToTitle, modelIdComponents, sizeLabel } from './model-id.ts';

type Entry = Record<string, unknown>;

interface Metadata {
  sampling: [string, 'int' | 'float' | 'string', unknown][];
  name?: unknown; author?: unknown; version?: unknown; organization?: unknown; finetune?: unknown;
  basename?: unknown; description?: unknown; size_label?: unknown; license?: unknown;
  license_name?: unknown; license_link?: unknown;
  source_url?: unknown; source_doi?: unknown; source_uuid?: unknown; source_repo_url?: unknown;
  base_models?: Entry[]; datasets?: Entry[]; tags?: unknown[]; languages?: unknown[];
}

/** generation_config.json key(s) → general.sampling.* key, in the converter's order */
const SAMPLING: [string[], string, 'int' | 'float' | 'string'][] = [
  [['sequence'], 'sequence', 'string'],
  [['top_k'], 'top_k', 'int'],
  [['top_p'], 'top_p', 'float'],
  [['min_p'], 'min_p', 'float'],
  [['xtc_probability'], 'xtc_probability', 'float'],
  [['xtc_threshold'], 'xtc_threshold', 'float'],
  [['temperature'], 'temp', 'float'],
  [['penalty_last_n'], 'penalty_last_n', 'int'],
  [['penalty_repeat', 'repetition_penalty'], 'penalty_repeat', 'float'],
  [['mirostat'], 'mirostat', 'int'],
  [['mirostat_tau'], 'mirostat_tau', 'float'],
  [['mirostat_eta'], 'mirostat_eta', 'float'],
];

/** Metadata.load plus prepare_metadata's fallbacks; `totalParams` is the parameter count of the output. */
export async function writeGeneralMetadata(files: FolderFiles, kv: KvWriter, totalParams: number): Promise<void> {
  const card = await loadModelCard(files);
  const config = files.has('config.json') ? await files.jsonObject('config.json') : {};
  const m: Metadata = { sampling: [] };
  applyModelCard(m, card, totalParams);
  applyNameHeuristics(m, config, files.name, totalParams);

  const gen = await generationConfig(files);
  for (const [keys, name, type] of SAMPLING) {
    const key = keys.find((k) => k in gen);
    const value = key === undefined ? undefined : gen[key];
    if (value !== undefined && value !== null) m.sampling.push([name, type, value]);
  }
  if (m.name === undefined || m.name === null) m.name = files.name;
  if ((m.size_label === undefined || m.size_label === null) && totalParams > 0) m.size_label = sizeLabel(totalParams);

  kv.addString('general.type', 'model');
  for (const [name, type, value] of m.sampling) {
    const key = `general.sampling.${name}`;
    if (type === 'int') kv.addInt32(key, value);
    else if (type === 'float') kv.addFloat32(key, value);
    else kv.addString(key, value);
  }
  const str = (key: string, v: unknown) => {
    if (v !== undefined && v !== null) kv.addString(key, v);
  };
  kv.addString('general.name', m.name);
  str('general.author', m.author);
  str('general.version', m.version);
  str('general.organization', m.organization);
  str('general.finetune', m.finetune);
  str('general.basename', m.basename);
  str('general.description', m.description);
  str('general.size_label', m.size_label);
  if (m.license !== undefined && m.license !== null) {
    kv.addString('general.license', Array.isArray(m.license) ? m.license.join(',') : m.license);
  }
  str('general.license.name', m.license_name);
  str('general.license.link', m.license_link);
  str('general.source.url', m.source_url);
  str('general.source.doi', m.source_doi);
  str('general.source.uuid', m.source_uuid);
  str('general.source.repo_url', m.source_repo_url);
  writeEntries(kv, 'general.base_model', m.base_models);
  writeEntries(kv, 'general.dataset', m.datasets);
  if (m.tags) kv.addArray('general.tags', m.tags);
  if (m.languages) kv.addArray('general.languages', m.languages);
}

const ENTRY_FIELDS = ['name', 'author', 'version', 'organization', 'description', 'url', 'doi', 'uuid', 'repo_url'];

function writeEntries(kv: KvWriter, prefix: string, entries: Entry[] | undefined): void {
  if (!entries) return;
  kv.addUint32(`${prefix}.count`, entries.length);
  entries.forEach((entry, i) => {
    for (const field of ENTRY_FIELDS) if (field in entry) kv.addString(`${prefix}.${i}.${field}`, entry[field]);
  });
}

async function generationConfig(files: FolderFiles): Promise<Json> {
  if (!files.has('generation_config.json')) return {};
  try {
    const json = await files.json('generation_config.json');
    return isObject(json) ? json : {};
  } catch (e) {
    // the converter ignores a generation_config.json it cannot parse
    if (e instanceof QuantsmithError) return {};
    throw e;
  }
}

function applyModelCard(m: Metadata, card: Json, totalParams: number): void {
  const use = (field: keyof Metadata, key: string) => {
    if (key in card && (m[field] === undefined || m[field] === null)) (m as unknown as Json)[field] = card[key];
  };
  use('name', 'name'); use('author', 'author'); use('version', 'version'); use('organization', 'organization');
  use('description', 'description'); use('finetune', 'finetune'); use('basename', 'basename'); use('size_label', 'size_label');
  use('source_url', 'url'); use('source_doi', 'doi'); use('source_uuid', 'uuid'); use('source_repo_url', 'repo_url');
  use('name', 'model_name'); use('author', 'model_author'); use('version', 'model_version'); use('organization', 'model_organization');
  use('description', 'model_description'); use('finetune', 'model_finetune'); use('basename', 'model_basename');
  use('size_label', 'model_size_label'); use('source_url', 'model_url'); use('source_doi', 'model_doi');
  use('source_uuid', 'model_uuid'); use('source_repo_url', 'model_repo_url');
  use('name', 'model_name'); use('author', 'model_creator'); use('basename', 'model_type');

  if ('base_model' in card || 'base_models' in card || 'base_model_sources' in card) {
    m.base_models ??= [];
    for (const id of listOf(firstPresent(card, ['base_model', 'base_models', 'base_model_sources']))) {
      m.base_models.push(referenceEntry(id, totalParams));
    }
  }
  if ('datasets' in card || 'dataset' in card || 'dataset_sources' in card) {
    m.datasets ??= [];
    for (const id of listOf(firstPresent(card, ['datasets', 'dataset', 'dataset_sources']))) {
      m.datasets.push(referenceEntry(id, totalParams));
    }
  }
  use('license', 'license'); use('license_name', 'license_name'); use('license_link', 'license_link');
  appendList(m, 'tags', card.tags);
  appendList(m, 'tags', card.pipeline_tag);
  appendList(m, 'languages', card.languages);
  appendList(m, 'languages', card.language);
}

/** model_card.get(a, model_card.get(b, model_card.get(c))) */
function firstPresent(card: Json, keys: string[]): unknown {
  const key = keys.find((k) => k in card);
  return key === undefined ? undefined : card[key];
}

function listOf(v: unknown): unknown[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v : [];
}

function appendList(m: Metadata, field: 'tags' | 'languages', value: unknown): void {
  if (value === undefined || value === null) return;
  const list = m[field] ?? [];
  if (typeof value === 'string') list.push(value);
  else if (Array.isArray(value)) list.push(...value);
  m[field] = list;
}

/** A base model or dataset reference: a URL, a Hugging Face id, or a dict taken as it is. */
function referenceEntry(id: unknown, totalParams: number): Entry {
  if (isObject(id)) return id;
  const entry: Entry = {};
  if (typeof id !== 'string') return entry;
  const fill = (hfId: string, withRepoUrl: boolean) => {
    const c = modelIdComponents(hfId, totalParams);
    if (c.fullName !== undefined) entry.name = idToTitle(c.fullName);
    if (c.organization !== undefined) entry.organization = idToTitle(c.organization);
    if (c.version !== undefined) entry.version = c.version;
    if (withRepoUrl && c.organization !== undefined && c.fullName !== undefined) {
      entry.repo_url = `https://huggingface.co/${c.organization}/${c.fullName}`;
    }
  };
  if (/^(https?|ssh):\/\//.test(id)) {
    entry.repo_url = id;
    if (id.includes('huggingface.co')) {
      const match = /^https?:\/\/huggingface.co\/([^/]+\/[^/]+)$/.exec(id);
      if (match) fill(match[1]!, false);
    }
  } else {
    fill(id, true);
  }
  return entry;
}

function applyNameHeuristics(m: Metadata, config: Json, folderName: string, totalParams: number): void {
  const fill = (id: string) => {
    const c = modelIdComponents(id, totalParams);
    if (m.name == null && c.fullName !== undefined) m.name = idToTitle(c.fullName);
    if (m.organization == null && c.organization !== undefined) m.organization = idToTitle(c.organization);
    if (m.basename == null && c.basename !== undefined) m.basename = c.basename;
    if (m.finetune == null && c.finetune !== undefined) m.finetune = c.finetune;
    if (m.version == null && c.version !== undefined) m.version = c.version;
    if (m.size_label == null && c.sizeLabel !== undefined) m.size_label = c.sizeLabel;
  };
  const nameOrPath = config._name_or_path;
  // only a model id such as "meta-llama/Llama-2-7b-hf", not a path on someone's computer
  if (typeof nameOrPath === 'string' && (nameOrPath.match(/\//g) ?? []).length <= 1) fill(nameOrPath);
  fill(folderName);
}
