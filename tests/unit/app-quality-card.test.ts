// The Hub model card of a run whose outputs were checked: each output's row carries its measured quality.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { publishCard } from '../../web/src/app/hub/publish-run.ts';
import { DEFAULT_PRESET } from '../../web/src/app/presets/preset.ts';
import type { FinishedOutput, RunState } from '../../web/src/app/run/run-state.ts';
import type { QuantPlan } from '../../web/src/core/quant/plan.ts';

const output = (type: string, size: number): FinishedOutput => ({
  type, fileName: `m-${type}.gguf`, location: `m-${type}.gguf`, plannedSize: size, size, sha256: 'ab'.repeat(32), plan: {} as QuantPlan,
});
const run: Extract<RunState, { kind: 'done' }> = {
  kind: 'done', modelName: 'm-F16.gguf', sourceSize: 2000, outputs: [output('Q8_0', 1100), output('Q4_K_M', 700)], seconds: 1, preset: DEFAULT_PRESET,
};

test('model card: no Quality column before a check, each output\'s figures after it', () => {
  assert.doesNotMatch(publishCard(run, undefined, 'me/m-GGUF'), /Quality/);
  const quality = {
    textName: 'heldout.txt', nCtx: 256, chunks: 4,
    rows: [
      { type: 'F16', fileName: 'm-F16.gguf', size: 2000, ppl: 31.355, pplError: 1, pplDelta: 0 },
      { type: 'Q8_0', fileName: 'm-Q8_0.gguf', size: 1100, ppl: 31.3596, pplError: 1, pplDelta: 0.000147, meanKld: 0.0000751, sameTop: 0.993 },
    ],
  };
  const card = publishCard({ ...run, quality }, undefined, 'me/m-GGUF');
  // as the Hub shows it: the card's Markdown rendered (its text is escaped Markdown, model-card.ts)
  const rows = [...new MarkdownIt().render(card).matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1].matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1].replace(/<[^>]+>/g, '')));
  assert.deepEqual(rows[0], ['File', 'Type', 'Size', 'SHA-256', 'Quality']);
  const row = (file: string) => rows.find((r) => r[0] === file);
  assert.equal(row('m-Q8_0.gguf')?.[1], 'Q8_0');
  assert.equal(row('m-Q8_0.gguf')?.[4], 'perplexity 31.36 (+0.01% vs F16), mean KLD 0.0000751, 4×256 tokens');
  assert.equal(row('m-Q4_K_M.gguf')?.[4], '–', 'an output the check did not measure says so');
});
