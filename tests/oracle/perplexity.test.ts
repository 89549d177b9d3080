// Quantsmith's outputs score, under llama.cpp's own perplexity evaluation, exactly the figures the model README
// lists for `llama-quantize` then `llama-perplexity -c 256` (all chunks): the numbers a user would check.
// Each evaluation runs every chunk of the held-out text (~25 s of CPU each), so the README is the only reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { perplexity, type PerplexityResult } from './perplexity.ts';

const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');
const dir = scratchDir('quantsmith-ppl-');

/** The README table: type → perplexity and its "+/-", as printed (4 and 5 decimals). */
function readmeFigures(): Map<string, { ppl: string; error: string }> {
  const figures = new Map<string, { ppl: string; error: string }>();
  const readme = readFileSync(join(SHARED_MODEL_DIR, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/^\| (\w+) \| \d+ \| (\d+\.\d{4}) \+\/- (\d+\.\d{5}) \|$/gm)) {
    figures.set(m[1], { ppl: m[2], error: m[3] });
  }
  return figures;
}
const README = readmeFigures();

// llama.cpp's evaluation is a pure function of the model's bytes, so identical files are scored once
// (the Hugging Face folder's outputs are meant to be the very bytes of the GGUF route).
const scored = new Map<string, PerplexityResult>();
function perplexityOf(modelPath: string): PerplexityResult {
  const key = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
  let result = scored.get(key);
  if (!result) {
    result = perplexity(modelPath, HELDOUT, 256, { threads: 1 });
    scored.set(key, result);
  }
  return result;
}

function quantizeWithCli(input: string, type: string, name: string): string {
  const out = join(dir, `${name}-${type}.gguf`);
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', input, '-o', out, '-t', type], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, `quantsmith quantize ${type} failed: ${r.stderr}`);
  return out;
}

function assertReadmeFigure(type: string, result: PerplexityResult) {
  const expected = README.get(type);
  assert.ok(expected, `the README lists no perplexity for ${type}`);
  assert.equal(`${result.ppl.toFixed(4)} +/- ${result.pplError.toFixed(5)}`, `${expected.ppl} +/- ${expected.error}`, `${type} perplexity`);
}

test('the README lists a perplexity for every type checked here', () => {
  for (const type of ['F16', 'Q8_0', 'Q4_K_M', 'Q2_K']) assert.ok(README.has(type), type);
});

test('the shipped F16 GGUF scores the README figure: the oracle reproduces llama-perplexity', () => {
  const result = perplexityOf(SHARED_F16_GGUF);
  assert.ok(result.chunks >= 2, 'the held-out text spans several chunks');
  assertReadmeFigure('F16', result);
});

for (const type of ['Q8_0', 'Q4_K_M', 'Q2_K']) {
  test(`quantsmith quantize F16 GGUF → ${type} scores the README figure`, () => {
    assertReadmeFigure(type, perplexityOf(quantizeWithCli(SHARED_F16_GGUF, type, 'gguf')));
  });
}

for (const type of ['Q4_K_M', 'F16']) {
  test(`quantsmith quantize Hugging Face folder → ${type} scores the README figure`, () => {
    assertReadmeFigure(type, perplexityOf(quantizeWithCli(SHARED_MODEL_DIR, type, 'hf')));
  });
}
