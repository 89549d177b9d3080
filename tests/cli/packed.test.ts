// The package as `npm pack` makes it: installed into an empty folder, its `quantsmith` runs with plain Node
// (no TypeScript loader, nothing else installed) and writes llama.cpp's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';

oracleQuietLogs();

test('the packed tarball, installed into an empty folder, quantizes the shared model byte-identically', { timeout: 300_000 }, () => {
  const dir = scratchDir();
  const packed = spawnSync('npm', ['pack', '--pack-destination', dir, '--json', '--loglevel=error'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const paths = info.files.map((f) => f.path).sort();
  assert.deepEqual(paths, ['README.md', 'dist-cli/node-kernel-worker-boot.mjs', 'dist-cli/quantsmith.mjs', 'dist-cli/quantsmith.wasm', 'package.json']);

  const app = join(dir, 'app');
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', app, join(dir, info.filename)], { encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')), ['quantsmith'], 'nothing else is installed');
  assert.equal(existsSync(join(app, 'node_modules', 'tsx')), false);

  const out = join(dir, 'out-Q4_K_M.gguf');
  // plain node, from a folder where no TypeScript loader exists
  const run = spawnSync(process.execPath, [join(app, 'node_modules', '.bin', 'quantsmith'), 'quantize', SHARED_F16_GGUF, '-o', out, '-t', 'Q4_K_M'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Q4_K_M/);
  const expected = join(dir, 'expected.gguf');
  oracleQuantizeFile(SHARED_F16_GGUF, expected, { ftype: 15 });
  assert.ok(readFileSync(out).equals(readFileSync(expected)), 'the packed CLI writes llama.cpp bytes');
});
