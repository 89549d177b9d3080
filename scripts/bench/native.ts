// The native baseline: llama.cpp's own `llama-quantize`, built once from the llama.cpp source that
// node-llama-cpp 3.22.1 ships (llama/gitRelease.bundle, release v0.5.0) — the same code the byte-identity
// oracle runs, as a stand-alone program a user would run.
//
// Build: CMake Release (-O3), default CPU flags (GGML_NATIVE=ON, i.e. -march=native for the ggml-cpu backend).
// Quantization itself runs in ggml-base (ggml-quants.c reference kernels, ggml.c F16→F32), which CMake
// compiles without -march flags either way; network features and everything but the one target are off.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.ts';
import { BenchSkip } from './skip.ts';

const NODE_LLAMA_CPP = 'node-llama-cpp@3.22.1';
const TARBALL = 'node-llama-cpp-3.22.1.tgz';
const BUNDLE = 'package/llama/gitRelease.bundle';

export const CMAKE_FLAGS = [
  '-DCMAKE_BUILD_TYPE=Release',
  '-DGGML_NATIVE=ON',
  '-DBUILD_SHARED_LIBS=OFF',
  '-DLLAMA_CURL=OFF',
  '-DLLAMA_OPENSSL=OFF',
  '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_BUILD_TESTS=OFF',
  '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_BUILD_SERVER=OFF',
  '-DLLAMA_BUILD_APP=OFF',
];

/** Path of the built llama-quantize; builds it the first time (several minutes on 2 cores). */
export function ensureLlamaQuantize(log: (line: string) => void): string {
  const dir = cacheDir('native');
  const bin = join(dir, 'build', 'bin', 'llama-quantize');
  if (existsSync(bin)) return bin;

  for (const tool of ['git', 'cmake', 'c++', 'npm']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new BenchSkip(`llama-quantize cannot be built: '${tool}' is not installed (apt-get install git cmake g++)`);
    }
  }
  const logPath = join(dir, 'build.log');
  const run = (cmd: string, args: string[], cwd = dir) => {
    const fd = openSync(logPath, 'a');
    try {
      execFileSync(cmd, args, { cwd, stdio: ['ignore', fd, fd] });
    } catch {
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
      throw new BenchSkip(`building llama-quantize failed at '${cmd} ${args.join(' ')}' (log: ${logPath}):\n${tail}`);
    } finally {
      closeSync(fd);
    }
  };

  log(`building llama-quantize once, into ${dir} (log: ${logPath}) …`);
  if (!existsSync(join(dir, TARBALL))) run('npm', ['pack', NODE_LLAMA_CPP, '--pack-destination', dir, '--silent']);
  const src = join(dir, 'llama.cpp');
  if (!existsSync(join(src, 'CMakeLists.txt'))) {
    rmSync(src, { recursive: true, force: true });
    run('tar', ['xzf', TARBALL, BUNDLE]);
    run('git', ['clone', '--quiet', BUNDLE, 'llama.cpp']);
  }
  const ninja = spawnSync('sh', ['-c', 'command -v ninja']).status === 0;
  run('cmake', ['-S', src, '-B', join(dir, 'build'), ...(ninja ? ['-G', 'Ninja'] : []), ...CMAKE_FLAGS]);
  run('cmake', ['--build', join(dir, 'build'), '--target', 'llama-quantize', '-j', '2']);
  if (!existsSync(bin)) throw new BenchSkip(`the build finished but ${bin} is missing (log: ${logPath})`);
  return bin;
}
