// The type cards show what Check quality measured: each checked type's mean KL divergence and perplexity
// change, nothing for the source, and the latest measurement of a type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeQualityFigures } from '../../web/src/app/quality/type-quality.ts';
import { groupTypes } from '../../web/src/app/presets/type-groups.ts';
import type { QualityReport } from '../../web/src/app/quality/quality-session.ts';

const report: QualityReport = {
  textName: 'heldout.txt', nCtx: 256, chunks: 2,
  rows: [
    { type: 'F16', fileName: 'm-F16.gguf', size: 10, ppl: 20, pplError: 0.5, pplDelta: 0 },
    { type: 'Q8_0', fileName: 'm-Q8_0.gguf', size: 6, ppl: 20.01, pplError: 0.5, pplDelta: 0.0005, meanKld: 0.0001234, sameTop: 0.99 },
    { type: 'Q4_K_M', fileName: 'm-Q4_K_M.gguf', size: 3, ppl: 19.9, pplError: 0.5, pplDelta: -0.005, meanKld: 0.0123, sameTop: 0.9 },
    { type: 'Q4_K_M', fileName: 'other-Q4_K_M.gguf', size: 3, ppl: 21, pplError: 0.5, pplDelta: 0.05, meanKld: 0.02, sameTop: 0.9 },
  ],
};

test('each measured type gets its KL divergence and perplexity change; the source gets none', () => {
  const figures = typeQualityFigures(report);
  assert.deepEqual([...figures.keys()], ['Q8_0', 'Q4_K_M']);
  assert.equal(figures.get('Q8_0')!.text, 'measured: mean KLD 0.000123, perplexity +0.05 % (2×256 tokens)');
  assert.equal(figures.get('Q4_K_M')!.text, 'measured: mean KLD 0.020000, perplexity +5.00 % (2×256 tokens)', 'the latest row of a type');
});

test('the picker hands each type card its figure', () => {
  const cards = groupTypes(null, typeQualityFigures(report)).flatMap((g) => g.types);
  assert.match(cards.find((c) => c.ftype.name === 'Q8_0')!.quality!.text, /mean KLD 0\.000123/);
  assert.equal(cards.find((c) => c.ftype.name === 'Q6_K')!.quality, undefined);
});
