// quantsmith perplexity / kld / imatrix as a user runs them: a real process, exit codes, one-line messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';

const dir = scratchDir('quantsmith-eval-cli-');
const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp) {
  assert.equal(r.status, 1, `exit status 1 expected, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

function synthetic(id: string): string {
  const path = join(dir, `${id}.gguf`);
  writeSyntheticModel(path, STANDARD_SYNTHETIC_SPECS.find((s) => s.id === id)!);
  return path;
}

test('command-line mistakes exit 2 with the reason and the usage', () => {
  for (const [args, reason] of [
    [['perplexity', '-m', SHARED_F16_GGUF], /needs a text: -f TEXT/],
    [['perplexity', '-f', HELDOUT], /needs a model: -m MODEL/],
    [['kld', SHARED_F16_GGUF, '-f', HELDOUT], /kld needs the source model and at least one output/],
    [['imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT], /imatrix needs an output: -o/],
    [['imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-o', 'x', '--output-format', 'bin'], /--output-format must be gguf or dat/],
    [['perplexity', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-c', '0'], /-c must be a whole number/],
    [['perplexity', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '--chunks', 'x'], /--chunks must be a whole number/],
  ] as const) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, reason);
    assert.match(r.stderr, /quantsmith perplexity -m MODEL\.gguf -f TEXT/);
  }
});

test('bad inputs exit 1 with one line that names the problem, before any work', () => {
  assertOneLineError(cli('perplexity', '-m', join(dir, 'absent.gguf'), '-f', HELDOUT), /absent\.gguf: no such file/);
  assertOneLineError(cli('perplexity', '-m', synthetic('qwen2-f16'), '-f', HELDOUT), /does not support architecture 'qwen2' \(supported: llama\)/);
  assertOneLineError(cli('kld', SHARED_F16_GGUF, synthetic('llama-mha-f32'), '-f', HELDOUT), /llama-mha-f32\.gguf cannot be compared with pydoc-llama-5m-F16\.gguf: /);
  assertOneLineError(cli('perplexity', '-m', SHARED_F16_GGUF, '-f', SHARED_F16_GGUF), /is not a text file: it holds a NUL byte/);
  assertOneLineError(cli('perplexity', '-m', SHARED_F16_GGUF, '-f', join(dir, 'absent.txt')), /absent\.txt: no such file/);
  assertOneLineError(cli('imatrix', '-m', SHARED_F16_GGUF, '-f', HELDOUT, '-o', SHARED_F16_GGUF), /is an input/);
  assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.gguf')), [], 'no output or partial file left');
});
