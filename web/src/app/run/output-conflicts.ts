// Writing into a folder that already holds files of the outputs' names: ask first, as a file manager does,
// then replace them, keep both (the new file gets " (1)", " (2)" … before .gguf), or write nothing.
import { outputFileNames } from './output-names.ts';
export type ConflictChoice = 'replace' | 'keep-both' | 'cancel';

/** The first free name for `name` among `taken`: "m-Q8_0.gguf" → "m-Q8_0 (1).gguf" → "m-Q8_0 (2).gguf". */
export function freeName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * The names to write, or null when the user cancels. `ask` is called only when some wanted name exists,
 * with those names.
 */
export async function decideOutputNames(
  wanted: readonly string[],
  existing: ReadonlySet<string>,
  ask: (clashes: readonly string[]) => Promise<ConflictChoice>,
): Promise<string[] | null> {
  const clashes = wanted.filter((n) => existing.has(n));
  if (clashes.length === 0) return [...wanted];
  const choice = await ask(clashes);
  if (choice === 'cancel') return null;
  if (choice === 'replace') return [...wanted];
  const taken = new Set([...existing, ...wanted]);
  return wanted.map((n) => {
    if (!existing.has(n)) return n;
    const fresh = freeName(n, taken);
    taken.add(fresh);
    return fresh;
  });
}

/** One output to name: its file name and, split, its shard count (the files are then named after it). */
export interface WantedOutput {
  readonly name: string;
  readonly shards?: number;
}

/** "m-Q8_0.gguf" with " (n)" before its extension, as freeName numbers a name. */
function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return `${stem} (${n})${ext}`;
}

/**
 * decideOutputNames for outputs that may be split: every shard name is asked about, and "keep both"
 * renames a split output as a whole ("m-Q8_0 (1)-00001-of-00002.gguf" …), so its shards still find each
 * other by name as llama.cpp looks for them. Returns each output's file names, or null to write nothing.
 */
export async function decideOutputFiles(
  wanted: readonly WantedOutput[],
  existing: ReadonlySet<string>,
  ask: (clashes: readonly string[]) => Promise<ConflictChoice>,
): Promise<string[][] | null> {
  const files = wanted.map((w) => outputFileNames(w.name, w.shards));
  const clashes = files.flat().filter((n) => existing.has(n));
  if (clashes.length === 0) return files;
  const choice = await ask(clashes);
  if (choice === 'cancel') return null;
  if (choice === 'replace') return files;
  const taken = new Set([...existing, ...files.flat()]);
  return wanted.map((w, k) => {
    if (!files[k].some((n) => existing.has(n))) return files[k];
    for (let n = 1; ; n++) {
      const candidate = outputFileNames(numberedName(w.name, n), w.shards);
      if (candidate.every((c) => !taken.has(c))) {
        for (const c of candidate) taken.add(c);
        return candidate;
      }
    }
  });
}
