// The stand-in Hub itself: what it answers must be what huggingface.co answers for these calls, or the
// Hub tests would prove nothing. Checked with plain fetch, as a browser or huggingface_hub would call it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { startStandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { GATED, GOOD_TOKEN, OTHER_TOKEN, PYDOC, testRepos } from '../fixtures/hub/test-repos.ts';

const hub = await startStandInHub(testRepos(scratchDir()).repos);
after(() => hub.close());
const gguf = readFileSync(SHARED_F16_GGUF);

test('model info gives the commit; the tree at that commit lists sizes and LFS ids', async () => {
  const info = await (await fetch(`${hub.url}/api/models/${PYDOC}/revision/main`)).json();
  assert.match(info.sha, /^[0-9a-f]{40}$/);
  assert.equal(info.id, PYDOC);
  const tree = await (await fetch(`${hub.url}/api/models/${PYDOC}/tree/${info.sha}?recursive=true`)).json();
  const entry = tree.find((e: { path: string }) => e.path === 'pydoc-llama-5m-F16.gguf');
  assert.equal(entry.size, gguf.length);
  assert.equal(entry.lfs.oid, createHash('sha256').update(gguf).digest('hex'));
  assert.ok(tree.find((e: { path: string; lfs?: unknown }) => e.path === 'config.json' && !e.lfs));
});

test('resolve redirects large files to a second origin that answers ranges with 206 and the same ETag', async () => {
  const url = `${hub.url}/${PYDOC}/resolve/main/pydoc-llama-5m-F16.gguf`;
  const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
  assert.equal(head.status, 302);
  assert.equal(head.headers.get('X-Linked-Size'), String(gguf.length));
  assert.equal(head.headers.get('X-Linked-Etag'), `"${createHash('sha256').update(gguf).digest('hex')}"`);
  assert.match(head.headers.get('X-Repo-Commit')!, /^[0-9a-f]{40}$/);
  const location = head.headers.get('Location')!;
  assert.ok(location.startsWith(hub.cdnUrl) && hub.cdnUrl !== hub.url, 'another origin');
  const part = await fetch(url, { headers: { Range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.ok(part.redirected);
  assert.equal(part.headers.get('Content-Range'), `bytes 100-199/${gguf.length}`);
  assert.deepEqual(new Uint8Array(await part.arrayBuffer()), new Uint8Array(gguf.subarray(100, 200)));
  const etag = part.headers.get('ETag');
  const again = await fetch(location, { headers: { Range: 'bytes=0-0' } });
  assert.equal(again.headers.get('ETag'), etag);
  await again.arrayBuffer();
});

test('CORS: preflights are answered, and the headers a reader needs are exposed', async () => {
  const pre = await fetch(`${hub.url}/${PYDOC}/resolve/main/config.json`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,range' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('Access-Control-Allow-Origin'), 'http://app.example');
  assert.match(pre.headers.get('Access-Control-Allow-Headers')!, /authorization/);
  const res = await fetch(`${hub.url}/${PYDOC}/resolve/main/config.json`, { headers: { Origin: 'http://app.example' } });
  for (const h of ['ETag', 'Content-Range', 'X-Repo-Commit', 'X-Linked-Size']) assert.match(res.headers.get('Access-Control-Expose-Headers')!, new RegExp(h));
  await res.arrayBuffer();
});

test('gated, missing and rate-limited requests get the Hub status and X-Error-Code', async () => {
  const file = (repo: string, token?: string) =>
    fetch(`${hub.url}/${repo}/resolve/main/config.json`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  let r = await file(GATED);
  assert.deepEqual([r.status, r.headers.get('X-Error-Code')], [401, 'GatedRepo']);
  r = await file(GATED, OTHER_TOKEN);
  assert.deepEqual([r.status, r.headers.get('X-Error-Code')], [403, 'GatedRepo']);
  assert.equal((await file(GATED, GOOD_TOKEN)).status, 200);
  r = await file('nobody/nothing');
  assert.deepEqual([r.status, r.headers.get('X-Error-Code')], [401, 'RepoNotFound']);
  r = await fetch(`${hub.url}/${PYDOC}/resolve/main/missing.bin`);
  assert.deepEqual([r.status, r.headers.get('X-Error-Code')], [404, 'EntryNotFound']);
  r = await fetch(`${hub.url}/api/models/${PYDOC}/revision/no-such-branch`);
  assert.deepEqual([r.status, r.headers.get('X-Error-Code')], [404, 'RevisionNotFound']);
  hub.faults.tooManyRequests = { times: 1, retryAfter: 7 };
  r = await file(PYDOC);
  assert.deepEqual([r.status, r.headers.get('Retry-After')], [429, '7']);
  assert.equal((await file(PYDOC)).status, 200);
});

test('an injected drop ends the body after the given bytes', async () => {
  hub.faults.dropMidBody = { times: 1, afterBytes: 1000 };
  const res = await fetch(`${hub.url}/${PYDOC}/resolve/main/pydoc-llama-5m-F16.gguf`, { headers: { Range: 'bytes=0-99999' } });
  assert.equal(res.status, 206);
  await assert.rejects(res.arrayBuffer());
  assert.equal(hub.faults.dropMidBody.times, 0);
});
