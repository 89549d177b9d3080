// A Hugging Face model folder as the converter sees it: a name and files that can be opened for byte-range
// reads. The Node implementation is web/src/io/node-folder.ts, the browser one web/src/io/browser-folder.ts.
import type { ByteSource } from '../../byte-source.ts';
import { oneLine, QuantsmithError } from '../../errors.ts';

export interface ModelFolder {
  /** the folder's own name: llama.cpp's converter derives general.name, basename and size label from it */
  readonly name: string;
  /** every file, as a '/'-separated path relative to the folder ("config.json", "1_Pooling/config.json") */
  list(): readonly string[];
  open(path: string): Promise<ByteSource>;
}

export function hasFile(folder: ModelFolder, path: string): boolean {
  return folder.list().includes(path);
}

/** The whole file as text; strict UTF-8 like Python's open(encoding="utf-8"). */
export async function readFolderText(folder: ModelFolder, path: string): Promise<string> {
  const src = await folder.open(path);
  try {
    const bytes = await src.read(0, src.size);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new QuantsmithError(`${folder.name}/${path} is not valid UTF-8 text`);
    }
  } finally {
    await src.close?.();
  }
}

/** The file parsed as JSON, or a one-line error naming it. */
export async function readFolderJson(folder: ModelFolder, path: string): Promise<unknown> {
  const text = await readFolderText(folder, path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new QuantsmithError(`${folder.name}/${path} is not valid JSON: ${oneLine((e as Error).message, 120)}`);
  }
}

/** Like readFolderJson, but the value must be a JSON object. */
export async function readFolderJsonObject(folder: ModelFolder, path: string): Promise<Record<string, unknown>> {
  const json = await readFolderJson(folder, path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new QuantsmithError(`${folder.name}/${path} must hold a JSON object`);
  }
  return json as Record<string, unknown>;
}
