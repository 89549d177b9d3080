// Llama 3 rope factors (rope_freqs) equal, bit for bit, what the converter computes with torch
// (torch-rope-factors.json, recorded by record-torch-rope.py), for the Llama 3.x configurations and more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { llama3RopeFactors } from '../../web/src/core/formats/hf/rope-factors.ts';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/hf/torch-rope-factors.json', import.meta.url), 'utf8')) as
  { cases: { config: number[]; bits: number[] }[] };

test('rope factors match torch for every recorded configuration', () => {
  assert.ok(recorded.cases.length >= 100);
  for (const { config, bits } of recorded.cases) {
    const [base, dim, factor, low, high, ctx] = config as [number, number, number, number, number, number];
    const ours = llama3RopeFactors({
      rope_theta: base, factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: ctx, rope_type: 'llama3',
    }, dim);
    assert.deepEqual([...new Uint32Array(ours.buffer)], bits, `config ${config.join(', ')}`);
  }
});

test('defaults: factor 8, low 1, high 4, original context 8192, base 10000', () => {
  const explicit = llama3RopeFactors({ rope_theta: 10000.0, factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 }, 128);
  assert.deepEqual([...llama3RopeFactors({}, 128)], [...explicit]);
  // the fastest-turning dimensions are not scaled, the slowest are scaled by the full factor
  assert.equal(explicit[0], 1);
  assert.equal(explicit[63], 8);
});
