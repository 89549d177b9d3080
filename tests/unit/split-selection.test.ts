// Choosing the first shard of a split model from what the user selected in the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSplitSelection } from '../../web/src/app/model/split-selection.ts';

test('the first shard is found among the selected files, in any order, beside other files', () => {
  assert.deepEqual(findSplitSelection(['m-00002-of-00003.gguf', 'README.md', 'm-00001-of-00003.gguf', 'm-00003-of-00003.gguf']),
    { first: 'm-00001-of-00003.gguf', count: 3 });
  assert.deepEqual(findSplitSelection(['dir/m-00001-of-00002.gguf', 'dir/m-00002-of-00002.gguf']), { first: 'dir/m-00001-of-00002.gguf', count: 2 });
});

test('no shard names: not a split model; shards of two models or no first shard: refused, saying what to choose', () => {
  assert.equal(findSplitSelection(['config.json', 'model.safetensors']), undefined);
  assert.throws(() => findSplitSelection(['a-00001-of-00002.gguf', 'b-00001-of-00002.gguf']), /shards of 2 split models \(a, b\)/);
  assert.throws(() => findSplitSelection(['m-00002-of-00003.gguf', 'm-00003-of-00003.gguf']), /the first shard, m-00001-of-00003\.gguf, is not among the chosen files/);
});

test('the shards chosen in the app (a folder or several files) open as one model', async () => {
  const { openFolder } = await import('../../web/src/app/model/open-model.ts');
  const { writeSplitSyntheticModel } = await import('../fixtures/split-models.ts');
  const { STANDARD_SYNTHETIC_SPECS, syntheticTensors } = await import('../fixtures/synthetic-models.ts');
  const { scratchDir } = await import('../helpers/paths.ts');
  const { readFileSync } = await import('node:fs');
  const { basename, join } = await import('node:path');
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-mha-f32')!;
  const paths = writeSplitSyntheticModel(join(scratchDir(), 'm'), spec, 3);
  const files = paths.reverse().map((p) => new File([readFileSync(p)], basename(p)));
  const model = await openFolder(files);
  assert.equal(model.name, 'm-00001-of-00003.gguf');
  assert.deepEqual(model.tensors.map((t) => t.name), syntheticTensors(spec).map((t) => t.name));
  const last = model.tensors.at(-1)!;
  assert.equal((await last.readRows(0, 1)).byteLength, last.byteLength / (last.shape[1] ?? 1));
  await model.close();
  await assert.rejects(openFolder(files.filter((f) => !f.name.includes('-00002-'))), /shard 2 of 3 is missing: m-00002-of-00003.gguf/);
});
