// Where the benchmark keeps what it builds and generates once: outside git, reused by later runs.
// QUANTSMITH_BENCH_CACHE overrides the default ~/.cache/quantsmith-bench.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CACHE_DIR = process.env.QUANTSMITH_BENCH_CACHE ?? join(homedir(), '.cache', 'quantsmith-bench');

/** A folder under the cache, created if missing. */
export function cacheDir(...parts: string[]): string {
  const dir = join(CACHE_DIR, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
