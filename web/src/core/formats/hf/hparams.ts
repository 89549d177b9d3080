// config.json as llama.cpp's converter reads it (ModelBase.load_hparams with its config.json fallback, and
// TextModel.__init__): the architecture name, text_config folded into the top level, the block count, and
// rope_parameters with the global rope keys mirrored into it.
import { QuantsmithError, quotedJson } from '../../errors.ts';
import type { FolderFiles } from './folder-files.ts';

export type Json = Record<string, unknown>;

export interface HfParams {
  /** config.json with text_config folded in (text_config wins) */
  readonly hparams: Json;
  /** config.json as written, for what the converter reads from the file itself */
  readonly rawConfig: Json;
  /** architectures[0] */
  readonly hfArch: string;
  readonly blockCount: number;
  /** the config.json key the block count was read from */
  readonly blockCountKey: string;
  /** rope_parameters (or rope_scaling) plus the mirrored global rope keys */
  readonly rope: Json;
}

const RENAMED_TO_TEXT_CONFIG = ['llm_config', 'lm_config', 'language_config', 'lfm'];

export async function loadHfParams(files: FolderFiles): Promise<HfParams> {
  if (!files.has('config.json')) throw new QuantsmithError(`${files.name}: config.json is missing`);
  const rawConfig = await files.jsonObject('config.json');
  const config: Json = { ...rawConfig };
  for (const k of RENAMED_TO_TEXT_CONFIG) if (k in config) config.text_config = config[k];
  const thinker = config.thinker_config;
  if (isObject(thinker)) config.text_config = thinker.text_config;

  const hfArch = modelArchitecture(config, files.name);
  const textConfig = config.text_config;
  const hparams: Json = isObject(textConfig) ? { ...config, ...textConfig } : config;

  const blockCountKeys = ['n_layers', 'num_hidden_layers', 'n_layer', 'num_layers'];
  const blockCount = findHparam(hparams, blockCountKeys);
  const blockCountKey = blockCountKeys.find((k) => k in hparams)!;
  if (!Number.isSafeInteger(blockCount) || (blockCount as number) < 0) {
    throw new QuantsmithError(`config.json: the layer count ${blockCountKey} ${quotedJson(blockCount)} is not a non-negative integer`);
  }
  return { hparams, rawConfig, hfArch, blockCount: blockCount as number, blockCountKey, rope: ropeParameters(hparams) };
}

/** get_model_architecture for a text model. */
function modelArchitecture(config: Json, folderName: string): string {
  let arch: unknown;
  const arches = config.architectures;
  if (Array.isArray(arches) && arches.length > 0) arch = arches[0];
  const text = config.text_config;
  if (isObject(text) && Array.isArray(text.architectures) && text.architectures.length > 0) arch = text.architectures[0];
  if (typeof arch !== 'string') {
    throw new QuantsmithError(`${folderName}/config.json names no model architecture ("architectures" is missing or empty)`);
  }
  return arch;
}

/** ModelBase.find_hparam: the value of the first key present (even if null); required unless `optional`. */
export function findHparam(hparams: Json, keys: readonly string[], optional = false): unknown {
  const key = keys.find((k) => k in hparams);
  if (key !== undefined) return hparams[key];
  if (optional) return undefined;
  throw new QuantsmithError(`config.json has none of ${keys.join(', ')}`);
}

/** A required hparams[key], like Python's hparams["key"]. */
export function requireHparam(hparams: Json, key: string): unknown {
  if (!(key in hparams)) throw new QuantsmithError(`config.json has no "${key}"`);
  return hparams[key];
}

function ropeParameters(hparams: Json): Json {
  const given = 'rope_parameters' in hparams ? hparams.rope_parameters : hparams.rope_scaling;
  const rope: Json = isObject(given) ? { ...given } : {};
  const theta = findHparam(hparams, ['global_rope_theta', 'rope_global_theta', 'rope_theta_global', 'rope_theta', 'rotary_emb_base'], true);
  const localTheta = findHparam(hparams, ['local_rope_theta', 'rope_local_theta', 'rope_theta_local', 'swa_rope_theta', 'rope_local_base_freq'], true);
  const partial = findHparam(hparams, ['partial_rotary_factor', 'rope_pct', 'rope_percent'], true);
  const origCtx = findHparam(hparams, ['original_max_position_embeddings'], true);
  if (!('full_attention' in rope) && !('sliding_attention' in rope)) {
    if (localTheta != null) rope.sliding_attention = { rope_theta: localTheta };
    if (!('rope_theta' in rope) && theta != null) rope.rope_theta = theta;
    if (!('rope_type' in rope) && rope.type != null) rope.rope_type = rope.type;
    if (!('partial_rotary_factor' in rope) && partial != null) rope.partial_rotary_factor = partial;
    if (!('original_max_position_embeddings' in rope) && origCtx != null) rope.original_max_position_embeddings = origCtx;
  }
  return rope;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
