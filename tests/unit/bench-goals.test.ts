// The benchmark's verdicts on issues #11 and #8 (scripts/bench/goals.ts) and its per-leg table: a goal is
// met, NOT met on the figures, or "not measured" when a row it needs is missing; never met by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGoals, formatGoals, type Goal } from '../../scripts/bench/goals.ts';
import { formatLegComparison } from '../../scripts/bench/report.ts';
import type { JobName, LegName, Measured, Row } from '../../scripts/bench/results.ts';

const MiB = 1024 * 1024;
const MB = 1e6;

/** a row that quantized 1000 MB at `mbps` */
function row(leg: LegName, job: JobName, mbps: number, extra: Partial<Measured> & { threads?: number; model?: Row['model'] } = {}): Row {
  const { threads = job === 'read only' ? 1 : 2, model = 'base', ...m } = extra;
  return { leg, job, threads, model, result: { seconds: 1000 / mbps, sourceBytes: 1000 * MB, peakRss: 300 * MiB, peakAnon: 200 * MiB, ...m } };
}

const find = (goals: Goal[], start: string) => {
  const g = goals.find((x) => x.goal.startsWith(start));
  assert.ok(g, `a goal starting "${start}" (have: ${goals.map((x) => x.goal).join('; ')})`);
  return g;
};

test('the app at 85% of the CLI is met; at 84% it is not, and the figures say why', () => {
  const goals = evaluateGoals([row('CLI', 'Q4_K_M', 100), row('app', 'Q4_K_M', 85), row('CLI', 'Q8_0', 400), row('app', 'Q8_0', 336)]);
  assert.equal(find(goals, 'app Q4_K_M').met, true);
  const q8 = find(goals, 'app Q8_0');
  assert.equal(q8.met, false);
  assert.match(q8.figures, /^84% \(336\.0 MB\/s of 400\.0 MB\/s\)$/);
});

test('speed against llama-quantize: Chromium Q8_0 needs 1.5x, Q4_K_M 2.5x, the CLI Q4_K_M 3x', () => {
  const rows = [
    row('llama-quantize', 'Q8_0', 300), row('Chromium', 'Q8_0', 449),
    row('llama-quantize', 'Q4_K_M', 50), row('Chromium', 'Q4_K_M', 125), row('CLI', 'Q4_K_M', 149),
  ];
  const goals = evaluateGoals(rows);
  assert.equal(find(goals, 'Chromium Q8_0 >= 1.5x').met, false);
  assert.equal(find(goals, 'Chromium Q4_K_M >= 2.5x').met, true);
  assert.equal(find(goals, 'CLI Q4_K_M >= 3x').met, false);
  assert.match(find(goals, 'CLI Q4_K_M >= 3x').figures, /^2\.98x/);
});

test('Q8_0 against the read-only rate compares with the 1-thread read row of the same leg', () => {
  const goals = evaluateGoals([row('CLI', 'read only', 1000), row('CLI', 'Q8_0', 800), row('Chromium', 'read only', 500), row('Chromium', 'Q8_0', 300)]);
  assert.equal(find(goals, 'CLI Q8_0 >= 80% of its read only').met, true);
  assert.equal(find(goals, 'Chromium Q8_0 >= 80% of its read only').met, false);
});

test('a goal whose rows are missing or skipped is "not measured", never met', () => {
  const skipped: Row = { leg: 'app', job: 'Q8_0', threads: 2, model: 'base', result: { skipped: 'no Chromium' } };
  const goals = evaluateGoals([row('CLI', 'Q8_0', 400), skipped]);
  const g = find(goals, 'app Q8_0');
  assert.equal(g.met, undefined);
  assert.match(g.figures, /app Q8_0 not measured/);
  assert.ok(goals.filter((x) => x.met === true).length === 0, 'nothing is met without figures');
  assert.match(formatGoals(goals), /app Q8_0 >= 85% of the CLI's throughput\s+not measured/);
});

test('memory: under 512 MiB and within 10% on the twice-as-deep model; over the limit is NOT met even without the 2x row', () => {
  const flat = evaluateGoals([row('app', 'Q8_0', 1, { peakRss: 400 * MiB }), row('app', 'Q4_K_M', 1, { model: 'double', peakRss: 430 * MiB })]);
  assert.equal(find(flat, 'app renderer').met, true);
  const growing = evaluateGoals([row('app', 'Q8_0', 1, { peakRss: 300 * MiB }), row('app', 'Q4_K_M', 1, { model: 'double', peakRss: 340 * MiB })]);
  assert.equal(find(growing, 'app renderer').met, false);
  const over = evaluateGoals([row('CLI', 'Q8_0', 1, { peakRss: 600 * MiB })]);
  assert.equal(find(over, 'CLI process').met, false);
  const unknown = evaluateGoals([row('CLI', 'Q8_0', 1, { peakRss: 300 * MiB })]);
  assert.equal(find(unknown, 'CLI process').met, undefined, 'flatness needs the 2x row');
});

test('identity: any output that differs fails the goal and is named', () => {
  const goals = evaluateGoals([row('CLI', 'Q8_0', 1, { identical: true }), row('app', 'Q8_0', 1, { identical: false }), row('Chromium', 'Q8_0', 1)]);
  const g = find(goals, 'every output byte-identical');
  assert.equal(g.met, false);
  assert.match(g.figures, /DIFFERENT: app Q8_0, of 2 compared/);
});

test("issue #8's rows: each imatrix type in the CLI and Chromium against llama-quantize at 1.25x", () => {
  const goals = evaluateGoals([row('llama-quantize', 'IQ2_XS + imatrix', 4), row('CLI', 'IQ2_XS + imatrix', 5), row('Chromium', 'IQ2_XS + imatrix', 4.9)]);
  const eight = goals.filter((g) => g.issue === 8);
  assert.equal(eight.length, 6);
  assert.equal(find(eight, 'CLI IQ2_XS').met, true);
  assert.equal(find(eight, 'Chromium IQ2_XS').met, false);
  assert.equal(find(eight, 'CLI IQ3_XXS').met, undefined);
  assert.match(formatGoals(goals), /goals \(issue #8\):\n {2}CLI IQ2_XS \+ imatrix >= 1\.25x llama-quantize\s+met\s+1\.25x/);
});

test("the per-leg table gives each browser leg's share of the CLI and its speed against llama-quantize", () => {
  const text = formatLegComparison([row('llama-quantize', 'Q8_0', 200), row('CLI', 'Q8_0', 400), row('Chromium', 'Q8_0', 300), row('app', 'Q8_0', 100)]);
  const line = text.split('\n').find((l) => l.startsWith('Q8_0 '));
  assert.ok(line, text);
  assert.match(line, /200\.0\s+400\.0 \(2\.00x\)\s+300\.0 \(1\.50x, 75% of CLI\)\s+100\.0 \(0\.50x, 25% of CLI\)$/);
  assert.ok(!text.includes('IQ2_XS'), 'jobs nobody measured are left out');
});
