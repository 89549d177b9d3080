import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { replaceModel } from '../../web/src/app/model/open-session.ts';

function fakeSource(name: string, closed: string[]): ModelSource {
  return { name, format: 'gguf', sizeBytes: 1, metadata: [], tensors: [], close: async () => void closed.push(name) } as unknown as ModelSource;
}

test('a model that opens replaces the one before, which is closed', async () => {
  const closed: string[] = [];
  const first = await replaceModel(null, 'a.gguf', async () => fakeSource('a.gguf', closed));
  assert.ok(first.ok);
  const second = await replaceModel(first.model, 'b.gguf', async () => fakeSource('b.gguf', closed));
  assert.ok(second.ok && second.model.fileName === 'b.gguf');
  assert.deepEqual(closed, ['a.gguf']);
});

test('a model that fails to open leaves none: the one before is closed too, and the message says so', async () => {
  const closed: string[] = [];
  const first = await replaceModel(null, 'a.gguf', async () => fakeSource('a.gguf', closed));
  assert.ok(first.ok);
  const failed = await replaceModel(first.model, 'broken.gguf', async () => {
    throw new QuantsmithError('the file is truncated');
  });
  assert.deepEqual(failed, { ok: false, message: 'Could not open broken.gguf: the file is truncated (a.gguf was closed)' });
  assert.deepEqual(closed, ['a.gguf']);
});
