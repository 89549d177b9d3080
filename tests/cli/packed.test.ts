// The package as `npm pack` makes it: installed into an empty folder, its `quantsmith` runs with plain Node
// (no TypeScript loader, nothing else installed) and writes llama.cpp's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from '../oracle/llama-cpp.ts';
import { assertInterruptedWhileStarting } from '../helpers/startup-interrupt.ts';

oracleQuietLogs();

test('the packed tarball, installed into an empty folder, quantizes the shared model byte-identically and takes Ctrl-C while starting', { timeout: 300_000 }, async () => {
  const dir = scratchDir();
  const packed = spawnSync('npm', ['pack', '--pack-destination', dir, '--json', '--loglevel=error'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const paths = info.files.map((f) => f.path).sort();
  assert.deepEqual(paths, ['README.md', 'dist-cli/node-kernel-worker-boot.mjs', 'dist-cli/quantsmith-cli.mjs', 'dist-cli/quantsmith.mjs', 'dist-cli/quantsmith.wasm', 'package.json']);

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
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, expected, { ftype: 15 }), 0);
  assert.ok(readFileSync(out).equals(readFileSync(expected)), 'the packed CLI writes llama.cpp bytes');

  // its Ctrl-C handler exists before the 1 MB bundle of the CLI is parsed, as the sources' does: Node parses
  // a whole file before its first line runs, so the entry that installs the handler is a few lines only
  const entry = join(app, 'node_modules', 'quantsmith', 'dist-cli', 'quantsmith.mjs');
  assert.ok(statSync(entry).size < 4096, `the entry is ${statSync(entry).size} bytes`);
  assert.match(readFileSync(entry, 'utf8'), /installInterrupts\(\);\s*var \{ main \} = await import\("\.\/quantsmith-cli\.mjs"\)/);
  await assertInterruptedWhileStarting(join(app, 'node_modules', '.bin', 'quantsmith'), SHARED_F16_GGUF, dir);
});
