// The app keeps the Hub endpoint, and the token only when the user asks to keep it on this device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubSettingsStore } from '../../web/src/app/hub/hub-settings-store.ts';
import { memoryStore } from '../../web/src/app/state/kv.ts';

test('the token is kept only when asked, and forgotten when unticked', async () => {
  const kv = memoryStore();
  const store = new HubSettingsStore(kv);
  await store.save('https://hf-mirror.com', 'hf_abc', false);
  assert.deepEqual(await store.load(), { endpoint: 'https://hf-mirror.com', token: undefined });
  await store.save('https://hf-mirror.com', 'hf_abc', true);
  assert.deepEqual(await store.load(), { endpoint: 'https://hf-mirror.com', token: 'hf_abc' });
  await store.save('https://huggingface.co', 'hf_abc', false);
  assert.deepEqual(await store.load(), { endpoint: 'https://huggingface.co', token: undefined });
  assert.deepEqual((await kv.entries()).map(([k]) => k), ['endpoint']);
});
