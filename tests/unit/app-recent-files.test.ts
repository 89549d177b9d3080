// Recently opened files: File System Access handles kept in IndexedDB (here an in-memory backend and
// test doubles with the handle's name, kind and isSameEntry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStore } from '../../web/src/app/state/kv.ts';
import { RecentFilesStore, type RememberedHandle } from '../../web/src/app/state/recent-files-store.ts';

class FakeHandle implements RememberedHandle {
  constructor(readonly name: string, readonly path: string, readonly kind: 'file' | 'directory' = 'file') {}
  async isSameEntry(other: RememberedHandle): Promise<boolean> {
    return other instanceof FakeHandle && other.path === this.path && other.kind === this.kind;
  }
}

test('recent files: most recent first, the same file once, kept to the limit', async () => {
  const store = new RecentFilesStore<FakeHandle>(memoryStore({ clone: false }), 3);
  await store.remember(new FakeHandle('a.gguf', '/x/a.gguf'), 1);
  await store.remember(new FakeHandle('model', '/x/model', 'directory'), 2);
  await store.remember(new FakeHandle('b.gguf', '/x/b.gguf'), 3);
  await store.remember(new FakeHandle('a.gguf', '/x/a.gguf'), 4);
  assert.deepEqual((await store.list()).map((r) => `${r.kind}:${r.name}`), ['file:a.gguf', 'file:b.gguf', 'directory:model']);

  await store.remember(new FakeHandle('a.gguf', '/y/a.gguf'), 5);
  const list = await store.list();
  assert.deepEqual(list.map((r) => r.handle.path), ['/y/a.gguf', '/x/a.gguf', '/x/b.gguf'], 'same name elsewhere is another file');

  await store.forget(list[0].id);
  assert.deepEqual((await store.list()).map((r) => r.handle.path), ['/x/a.gguf', '/x/b.gguf']);
});
