// The evaluator's native baseline: llama.cpp's own `llama-perplexity`, built in the same CMake tree as the
// bench's llama-quantize (scripts/bench/native.ts: node-llama-cpp 3.22.1's llama.cpp, Release, GGML_NATIVE=ON),
// so the source is unpacked and configured once and both tools share ggml, llama and llama-common.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheDir } from './cache.ts';
import { ensureLlamaQuantize } from './native.ts';
import { BenchSkip } from './skip.ts';

/** Path of the built llama-perplexity; builds it (and llama-quantize's tree, if missing) the first time. */
export function ensureLlamaPerplexity(log: (line: string) => void): string {
  const dir = cacheDir('native');
  const bin = join(dir, 'build', 'bin', 'llama-perplexity');
  if (existsSync(bin)) return bin;
  ensureLlamaQuantize(log); // unpacks, configures and builds the shared libraries
  const logPath = join(dir, 'build-perplexity.log');
  log(`building llama-perplexity once, into ${dir} (log: ${logPath}) …`);
  const fd = openSync(logPath, 'a');
  try {
    execFileSync('cmake', ['--build', join(dir, 'build'), '--target', 'llama-perplexity', '-j', '2'], { cwd: dir, stdio: ['ignore', fd, fd] });
  } catch {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
    throw new BenchSkip(`building llama-perplexity failed (log: ${logPath}):\n${tail}`);
  } finally {
    closeSync(fd);
  }
  if (!existsSync(bin)) throw new BenchSkip(`the build finished but ${bin} is missing (log: ${logPath})`);
  return bin;
}
