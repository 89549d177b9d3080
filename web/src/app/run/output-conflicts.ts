// Writing into a folder that already holds files of the outputs' names: ask first, as a file manager does,
// then replace them, keep both (the new file gets " (1)", " (2)" … before .gguf), or write nothing.
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
