// The app's importance-matrix session: a dropped file is told apart from a model by content, and the
// coverage the page shows counts the model's quantizable matrices with and without an entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { imatrixCoverage, isImatrixFile, openImatrixFile, withImatrix } from '../../web/src/app/model/imatrix-session.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { MemorySource } from '../fixtures/memory-source.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF } from '../helpers/paths.ts';
import { inThreadSha256 } from '../helpers/in-thread-sha256.ts';

const blob = (path: string) => new Blob([readFileSync(path)]);

test('imatrix files are recognised by content, models are not taken for one', async () => {
  assert.equal(await isImatrixFile(blob(SHARED_IMATRIX_GGUF), 'a.bin'), true);
  assert.equal(await isImatrixFile(blob(SHARED_IMATRIX_DAT), 'model.gguf'), true);
  assert.equal(await isImatrixFile(blob(SHARED_F16_GGUF), 'pydoc.imatrix'), false);
  assert.equal(await isImatrixFile(new Blob(['{"not": "either"}']), 'x.json'), false);
});

test('coverage: 28 of the shared model\'s 30 quantizable matrices (not token_embd, not output)', async () => {
  const chosen = await openImatrixFile(blob(SHARED_IMATRIX_GGUF), 'pydoc.imatrix.gguf', inThreadSha256);
  const model = await readGgufHeader(new MemorySource(readFileSync(SHARED_F16_GGUF)));
  const c = imatrixCoverage(chosen.matrix, model);
  assert.deepEqual([c.covered.length, c.uncovered, c.foreign], [28, ['output.weight', 'token_embd.weight'], []]);
  assert.deepEqual([c.datasets, c.chunkCount, c.chunkSize, c.entries], [['calibration.txt'], 64, 256, 28]);
  const options = withImatrix({ ftype: 'Q4_K_M' }, chosen);
  assert.equal(options.imatrixFile, 'pydoc.imatrix.gguf');
  assert.equal(withImatrix({ ftype: 'Q4_K_M' }, null).imatrix, undefined);
});
