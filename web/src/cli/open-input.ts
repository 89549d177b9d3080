// Opens what the user named on the command line, read-only: a GGUF file (or, later, a Hugging Face folder).
import { stat } from 'node:fs/promises';
import { QuantsmithError } from '../core/errors.ts';
import { openGgufModel } from '../core/engine/gguf-source.ts';
import type { ModelSource } from '../core/engine/model-source.ts';
import { openNodeFile } from '../io/node-file.ts';

export async function openInput(path: string): Promise<ModelSource> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new QuantsmithError(e.code === 'ENOENT' ? `${path}: no such file or folder` : `${path}: ${e.message}`);
  });
  if (info.isDirectory()) {
    throw new QuantsmithError(`${path} is a folder; Hugging Face folders are not supported yet, give a .gguf file`);
  }
  const file = await openNodeFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new QuantsmithError(`${path}: ${e.code === 'EACCES' ? 'permission denied' : e.message}`);
  });
  try {
    return await openGgufModel(file);
  } catch (e) {
    await file.close();
    throw e;
  }
}
