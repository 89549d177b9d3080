// The app's hashing sink: the digest of exactly the bytes written, in order, whatever the chunking; the
// copies waiting for the hasher stay bounded, in a few buffers the hasher hands back; a failed hash fails
// the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSHA256 } from 'hash-wasm';
import { hashingSink } from '../../web/src/app/run/hashing-sink.ts';
import { boundedHasher, CHUNK_BYTES, IN_FLIGHT } from '../../web/src/app/run/stream-hasher.ts';
import type { ByteSink } from '../../web/src/core/byte-source.ts';

function memorySink(): ByteSink & { bytes(): Buffer; committed: boolean } {
  const parts: Uint8Array[] = [];
  return {
    committed: false,
    async write(d) {
      parts.push(d);
    },
    async commit() {
      this.committed = true;
    },
    async abort() {},
    bytes: () => Buffer.concat(parts),
  };
}

/**
 * hash-wasm in this thread, each update answered after `delayMs`, counting bytes handed over but not yet
 * hashed and the distinct buffers they came in; `handBack`: answer with the chunk, as the worker does
 */
async function slowApi(delayMs: number, handBack = false) {
  const h = (await createSHA256()).init();
  const state = { waiting: 0, maxWaiting: 0, buffers: new Set<ArrayBufferLike>() };
  return {
    state,
    api: {
      async update(data: Uint8Array) {
        state.waiting += data.byteLength;
        state.maxWaiting = Math.max(state.maxWaiting, state.waiting);
        state.buffers.add(data.buffer);
        await new Promise((r) => setTimeout(r, delayMs));
        h.update(data);
        state.waiting -= data.byteLength;
        return handBack ? data : undefined;
      },
      async digest() {
        return h.digest('hex');
      },
    },
  };
}

test('the digest is the SHA-256 of the bytes written, and the sink gets them unchanged', async () => {
  const { api } = await slowApi(0);
  const inner = memorySink();
  const sink = hashingSink(inner, boundedHasher(api));
  const chunks = [0, 1, 31, 4096, 1 << 20, 7].map((n) => new Uint8Array(randomBytes(n)));
  for (const c of chunks) await sink.write(c);
  await sink.commit();
  const all = Buffer.concat(chunks);
  assert.ok(inner.bytes().equals(all));
  assert.equal(sink.sha256Hex(), createHash('sha256').update(all).digest('hex'));
});

test('copies waiting for a slow hasher stay under the bound, in the buffers it hands back', async () => {
  const { api, state } = await slowApi(5, true);
  const sink = hashingSink(memorySink(), boundedHasher(api));
  const chunks = Array.from({ length: 12 }, (_, i) => new Uint8Array(randomBytes((8 << 20) + i * 1000)));
  for (const c of chunks) await sink.write(c);
  await sink.commit();
  assert.ok(state.maxWaiting <= IN_FLIGHT * CHUNK_BYTES, `at most ${IN_FLIGHT} chunks wait: ${state.maxWaiting}`);
  // 12 writes of over 8 MiB are 36 chunks: they all travel in the same few buffers
  assert.ok(state.buffers.size <= IN_FLIGHT + 1, `${state.buffers.size} buffers for 36 chunks`);
  assert.equal(sink.sha256Hex(), createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
});

test('a hasher that keeps the chunks still gets every byte, in order', async () => {
  const { api, state } = await slowApi(1);
  const sink = hashingSink(memorySink(), boundedHasher(api));
  const chunks = [3, CHUNK_BYTES, CHUNK_BYTES + 1, 0, 5].map((n) => new Uint8Array(randomBytes(n)));
  for (const c of chunks) await sink.write(c);
  await sink.commit();
  assert.ok(state.buffers.size >= 4, 'no buffer is reused while the hasher may still hold it');
  assert.equal(sink.sha256Hex(), createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
});

test('a hasher that fails fails the output', async () => {
  const api = { update: async () => Promise.reject(new Error('hash worker lost')), digest: async () => 'x' };
  const sink = hashingSink(memorySink(), boundedHasher(api));
  await sink.write(new Uint8Array(10)).catch(() => {});
  await assert.rejects(sink.commit(), /hash worker lost/);
});
