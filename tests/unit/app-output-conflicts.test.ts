import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOutputNames, freeName, type ConflictChoice } from '../../web/src/app/run/output-conflicts.ts';

const wanted = ['m-Q4_K_M.gguf', 'm-Q8_0.gguf'];

test('no clash: nothing is asked', async () => {
  const names = await decideOutputNames(wanted, new Set(['other.gguf']), () => assert.fail('asked'));
  assert.deepEqual(names, wanted);
});

test('a clash is asked about once, naming only the clashing files', async () => {
  const asked: (readonly string[])[] = [];
  const ask = (choice: ConflictChoice) => async (clashes: readonly string[]) => (asked.push(clashes), choice);
  const existing = new Set(['m-Q8_0.gguf', 'm-Q8_0 (1).gguf']);
  assert.deepEqual(await decideOutputNames(wanted, existing, ask('replace')), wanted);
  assert.deepEqual(await decideOutputNames(wanted, existing, ask('keep-both')), ['m-Q4_K_M.gguf', 'm-Q8_0 (2).gguf']);
  assert.equal(await decideOutputNames(wanted, existing, ask('cancel')), null);
  assert.deepEqual(asked, [['m-Q8_0.gguf'], ['m-Q8_0.gguf'], ['m-Q8_0.gguf']]);
});

test('free names keep the extension and never collide with each other', () => {
  assert.equal(freeName('a.gguf', new Set()), 'a.gguf');
  assert.equal(freeName('a.gguf', new Set(['a.gguf'])), 'a (1).gguf');
  assert.equal(freeName('noext', new Set(['noext', 'noext (1)'])), 'noext (2)');
});
