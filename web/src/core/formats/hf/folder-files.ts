// The small files of a model folder (configs, tokenizer files, model card), each read once and kept:
// several steps of the conversion read the same file, as the converter does.
import { QuantsmithError } from '../../errors.ts';
import { readFolderJson, readFolderText, type ModelFolder } from './model-folder.ts';

export class FolderFiles {
  private readonly names: ReadonlySet<string>;
  private readonly texts = new Map<string, Promise<string>>();
  private readonly jsons = new Map<string, Promise<unknown>>();
  private readonly blobs = new Map<string, Promise<Uint8Array>>();

  constructor(readonly folder: ModelFolder) {
    this.names = new Set(folder.list());
  }

  get name(): string {
    return this.folder.name;
  }

  has(path: string): boolean {
    return this.names.has(path);
  }

  list(): readonly string[] {
    return this.folder.list();
  }

  text(path: string): Promise<string> {
    return memo(this.texts, path, () => readFolderText(this.folder, path));
  }

  json(path: string): Promise<unknown> {
    return memo(this.jsons, path, () => readFolderJson(this.folder, path));
  }

  /** The file's JSON, which must be an object. */
  async jsonObject(path: string): Promise<Record<string, unknown>> {
    const v = await this.json(path);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new QuantsmithError(`${this.name}/${path} must hold a JSON object`);
    }
    return v as Record<string, unknown>;
  }

  /** The file's JSON object, or undefined when the file is absent. */
  async optionalObject(path: string): Promise<Record<string, unknown> | undefined> {
    return this.has(path) ? this.jsonObject(path) : undefined;
  }

  bytes(path: string): Promise<Uint8Array> {
    return memo(this.blobs, path, async () => {
      const src = await this.folder.open(path);
      try {
        return await src.read(0, src.size);
      } finally {
        await src.close?.();
      }
    });
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    cache.set(key, p);
  }
  return p;
}
