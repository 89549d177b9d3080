// Opens what the user named on the command line, read-only: a GGUF file, or a Hugging Face model folder
// (converted on the fly as llama.cpp's convert_hf_to_gguf.py would convert it).
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import { openGgufModel } from '../core/engine/gguf-source.ts';
import { openSplitModel } from '../core/engine/split-source.ts';
import type { ModelSource } from '../core/engine/model-source.ts';
import { isHfFolder, openHfModel } from '../core/formats/hf/index.ts';
import { openNodeFile } from '../io/node-file.ts';
import { openNodeFolder } from '../io/node-folder.ts';

export async function openInput(path: string): Promise<ModelSource> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new QuantsmithError(e.code === 'ENOENT' ? `${path}: no such file or folder` : `${path}: ${e.message}`);
  });
  if (info.isDirectory()) return openFolder(path);
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
    return await openSplitModel(model, (name) => openNodeFile(join(dirname(path), name)));
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
