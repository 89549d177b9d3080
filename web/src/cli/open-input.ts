// Opens what the user named on the command line, read-only: a GGUF file, a Hugging Face model folder
// (converted on the fly as llama.cpp's convert_hf_to_gguf.py would convert it), or a model on the Hub.
// An existing local path always wins; only a name that is not one and has the shape of a Hub id
// (org/name, org/name@revision) or link is looked up on the Hub.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import { openGgufModel } from '../core/engine/gguf-source.ts';
import { openSplitModel } from '../core/engine/split-source.ts';
import type { ModelSource } from '../core/engine/model-source.ts';
import { isHfFolder, openHfModel } from '../core/formats/hf/index.ts';
import { looksLikeHubRef, parseHubRef } from '../core/hub/hub-ref.ts';
import { openHubModel } from '../core/hub/open-hub-model.ts';
import { TransferMeter } from '../core/hub/transfer-meter.ts';
import { openNodeFile } from '../io/node-file.ts';
import { openNodeFolder } from '../io/node-folder.ts';
import { CLI_TOKEN_HINT, hubEnv } from './hub-env.ts';

export interface InputOptions {
  /** --hub-file: which model of a Hub repository */
  readonly hubFile?: string;
  readonly signal?: AbortSignal;
}

export interface OpenedInput {
  readonly source: ModelSource;
  /** set for Hub inputs: bytes received and the download rate */
  readonly download?: TransferMeter;
  /** a local path (for the never-overwrite-the-input check) */
  readonly localPath?: string;
  /** where a Hub input came from: the model card's base_model */
  readonly hubOrigin?: { readonly repo: string; readonly commit: string };
}

export async function openInput(path: string, options: InputOptions = {}): Promise<OpenedInput> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw new QuantsmithError(`${path}: ${e.message}`);
  });
  if (!info) {
    const env = hubEnv();
    if (looksLikeHubRef(path, env.endpoint)) return openFromHub(path, env, options);
    if (options.hubFile !== undefined) throw new QuantsmithError(`--hub-file is for models on the Hub; ${path} is not a Hub id (org/name) or link`);
    throw new QuantsmithError(`${path}: no such file or folder`);
  }
  if (options.hubFile !== undefined) throw new QuantsmithError(`--hub-file is for models on the Hub; ${path} is a local ${info.isDirectory() ? 'folder' : 'file'}`);
  if (info.isDirectory()) return { source: await openFolder(path), localPath: path };
  if (/\.safetensors$/i.test(path) || basename(path) === 'config.json') {
    throw new QuantsmithError(`${path} is one file of a Hugging Face model; give its folder instead`);
  }
  const file = await openNodeFile(path);
  let model;
  try {
    model = await openGgufModel(file);
  } catch (e) {
    await file.close();
    throw e;
  }
  try {
    // the first shard of a split model brings its siblings, found beside it by name
    return { source: await openSplitModel(model, (name) => openNodeFile(join(dirname(path), name))), localPath: path };
  } catch (e) {
    await model.close();
    throw e;
  }
}

async function openFolder(path: string): Promise<ModelSource> {
  const folder = await openNodeFolder(path);
  if (!isHfFolder(folder.list())) {
    throw new QuantsmithError(`${path} is not a Hugging Face model folder: it needs config.json and *.safetensors files`);
  }
  return openHfModel(folder);
}

async function openFromHub(input: string, env: ReturnType<typeof hubEnv>, options: InputOptions): Promise<OpenedInput> {
  const ref = parseHubRef(input, env.endpoint);
  const download = new TransferMeter();
  const access = { endpoint: env.endpoint, token: env.token, tokenHint: CLI_TOKEN_HINT, signal: options.signal, meter: download };
  const { source, listing } = await openHubModel(ref, access, { pick: options.hubFile, chooseHint: 'choose one with --hub-file' });
  return { source, download, hubOrigin: { repo: listing.repo, commit: listing.commit } };
}
