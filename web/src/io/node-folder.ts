// A model folder on disk (Node only): lists the folder and its sub-folders once, opens files on demand.
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import type { ModelFolder } from '../core/formats/hf/model-folder.ts';
import type { ByteSource } from '../core/byte-source.ts';
import { openNodeFile } from './node-file.ts';

/** Sub-folders deeper than this are not listed: the converter only looks one level down. */
const MAX_DEPTH = 2;

export async function openNodeFolder(path: string): Promise<ModelFolder> {
  const root = resolve(path);
  const files = await listFiles(root, '', 1).catch((e: NodeJS.ErrnoException) => {
    throw new QuantsmithError(`${path}: ${e.code === 'ENOENT' ? 'no such folder' : e.message}`);
  });
  files.sort();
  const known = new Set(files);
  return {
    name: basename(root),
    list: () => files,
    open: async (file: string): Promise<ByteSource> => {
      if (!known.has(file)) throw new QuantsmithError(`${basename(root)}/${file}: no such file`);
      return openNodeFile(join(root, ...file.split('/')));
    },
  };
}

async function listFiles(root: string, prefix: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile()) out.push(rel);
    else if (entry.isDirectory() && depth < MAX_DEPTH) out.push(...(await listFiles(root, rel, depth + 1)));
  }
  return out;
}
