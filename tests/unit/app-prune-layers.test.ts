// The prune list as the Advanced panel reads it and the chart toggles it, and as a link and a preset file carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePruneText, pruneListText, toggleLayer } from '../../web/src/app/plan/prune-layers-text.ts';
import { decodePresetLink, encodePresetLink } from '../../web/src/app/presets/preset-url.ts';
import { checkPreset, DEFAULT_PRESET, toQuantizeOptions } from '../../web/src/app/presets/preset.ts';
import { llamaQuantizeCommand } from '../../web/src/app/run/command-lines.ts';

test('typed lists: sorted without repeats; each mistake named in one line', () => {
  assert.deepEqual(parsePruneText(' 3, 1,3 ', 4), { layers: [1, 3] });
  assert.deepEqual(parsePruneText('', 4), { layers: [] });
  assert.deepEqual(parsePruneText('1,x', 4), { error: "'x' is not a block number: write block numbers separated by commas, e.g. 1,3" });
  assert.deepEqual(parsePruneText('1,', 4), { error: "'' is not a block number: write block numbers separated by commas, e.g. 1,3" });
  assert.deepEqual(parsePruneText('-1', 4), { error: "'-1' is not a block number: write block numbers separated by commas, e.g. 1,3" });
  assert.deepEqual(parsePruneText('4', 4), { error: 'block 4 is past the last one: this model has 4 blocks, 0 to 3' });
  assert.deepEqual(parsePruneText('0,1,2,3', 4), { error: 'pruning all 4 blocks leaves no model' });
  assert.deepEqual(parsePruneText('40'), { layers: [40] }, 'without a model only the form is checked');
  assert.deepEqual(toggleLayer([3], 1), [1, 3]);
  assert.deepEqual(toggleLayer([1, 3], 3), [1]);
  assert.equal(pruneListText([3, 1]), '1,3');
});

test('the link, a preset file and the command line carry the prune list', () => {
  const preset = checkPreset({ ...DEFAULT_PRESET, pruneLayers: [3, 1, 3] }, 'json');
  assert.deepEqual(preset.pruneLayers, [1, 3]);
  const link = encodePresetLink(preset);
  assert.match(link, /&prune-layers=1,3$/);
  assert.deepEqual(decodePresetLink(link), { kind: 'preset', preset });
  assert.deepEqual(toQuantizeOptions(preset, 'Q4_K_M').pruneLayers, [1, 3]);
  assert.match(llamaQuantizeCommand('a.gguf', 'b.gguf', 'Q4_K_M', preset), / --prune-layers 1,3 /);
  assert.equal(checkPreset({ ...DEFAULT_PRESET, pruneLayers: [] }).pruneLayers, undefined, 'an empty list is no option');
  const bad = decodePresetLink('type=Q4_K_M&prune-layers=1,a');
  assert.equal(bad.kind, 'malformed');
  assert.match((bad as { message: string }).message, /^prune-layers: 'a' is not a block number/);
  assert.throws(() => checkPreset({ pruneLayers: [1.5] }, 'json'), /pruneLayers: expected block numbers, e\.g\. 1,3/);
});
