// Reading a file of the stand-in Hub through HttpRangeSource as the engine reads: exact bytes, fetched
// when read (bounded read-ahead), resumed after drops, stopped when the file changes, Retry-After honoured,
// cancel at once, the token kept from the CDN.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { startStandInHub, type LoggedRequest } from '../fixtures/hub/stand-in-hub.ts';
import { GOOD_TOKEN, PYDOC, PYDOC_GGUF_ONLY, testRepos } from '../fixtures/hub/test-repos.ts';
import { listHubRepo } from '../../web/src/core/hub/hub-listing.ts';
import { openRemoteFile } from '../../web/src/core/hub/remote-file.ts';
import { ReadAheadBudget } from '../../web/src/core/hub/read-ahead-budget.ts';
import { TransferMeter } from '../../web/src/core/hub/transfer-meter.ts';
import { CancelledError } from '../../web/src/core/errors.ts';

const hub = await startStandInHub(testRepos(scratchDir()).repos);
after(() => hub.close());
const gguf = new Uint8Array(readFileSync(SHARED_F16_GGUF));
const BLOCK = 64 * 1024;
const retry = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5000 };

async function openGguf(options: { signal?: AbortSignal; meter?: TransferMeter; budget?: ReadAheadBudget; token?: string; repo?: string } = {}) {
  const access = { endpoint: hub.url, tokenHint: 'set HF_TOKEN', token: options.token, retry, blockBytes: BLOCK, signal: options.signal, meter: options.meter };
  const listing = await listHubRepo({ repo: options.repo ?? PYDOC_GGUF_ONLY }, access);
  const file = listing.files.find((f) => f.path.endsWith('.gguf'))!;
  return openRemoteFile(listing, file, access, options.budget);
}

/** requests for file bytes made since `mark` */
const fileRequests = (mark: number) => hub.log.slice(mark).filter((r) => r.origin === 'cdn' || r.path.includes('/resolve/'));
const sent = (reqs: LoggedRequest[]) => reqs.reduce((n, r) => n + r.bytesSent, 0);

test('sequential and scattered reads give the file bytes; only what is read (plus one block ahead) is fetched', async () => {
  const mark = hub.log.length;
  const meter = new TransferMeter();
  const src = await openGguf({ meter });
  assert.equal(src.size, gguf.length);
  assert.deepEqual(await src.read(0, 100), gguf.subarray(0, 100));
  assert.ok(sent(fileRequests(mark)) <= BLOCK, `a header read fetches one small block, got ${sent(fileRequests(mark))}`);
  // the engine's pattern: sequential slabs, then jumps
  let pos = 100;
  while (pos < 3_000_000) {
    const n = Math.min(200_000, gguf.length - pos);
    assert.deepEqual(await src.read(pos, n), gguf.subarray(pos, pos + n));
    pos += n;
  }
  assert.ok(sent(fileRequests(mark)) <= pos + 2 * BLOCK, `fetched ${sent(fileRequests(mark))} for ${pos} read`);
  for (const at of [9_000_000, 50, 5_000_001, gguf.length - 10]) assert.deepEqual(await src.read(at, 10), gguf.subarray(at, at + 10));
  assert.equal(meter.bytes, sent(fileRequests(mark)), 'the meter counts what arrived');
  // one trip through the Hub for the redirect; later blocks go straight to the CDN, never with a token
  assert.equal(fileRequests(mark).filter((r) => r.origin === 'hub').length, 1);
  await src.close?.();
});

test('the token goes to the Hub only, never to the CDN a redirect leads to', async () => {
  const mark = hub.log.length;
  const src = await openGguf({ token: GOOD_TOKEN });
  await src.read(0, 1000);
  const reqs = hub.log.slice(mark);
  assert.ok(reqs.some((r) => r.origin === 'hub' && r.authorization === `Bearer ${GOOD_TOKEN}`));
  assert.ok(reqs.filter((r) => r.origin === 'cdn').every((r) => r.authorization === undefined));
  await src.close?.();
});

test('a connection dropped mid-body resumes from the last byte received', async () => {
  const src = await openGguf();
  await src.read(0, 10);
  const mark = hub.log.length;
  hub.faults.dropMidBody = { times: 3, afterBytes: 10_000 };
  const at = 1_000_000;
  assert.deepEqual(await src.read(at, 150_000), gguf.subarray(at, at + 150_000));
  const ranges = fileRequests(mark).map((r) => r.range);
  assert.deepEqual(ranges.slice(0, 4), [`bytes=${at}-${at + 149_999}`, `bytes=${at + 10_000}-${at + 149_999}`, `bytes=${at + 20_000}-${at + 149_999}`, `bytes=${at + 30_000}-${at + 149_999}`]);
  hub.faults.dropMidBody = { times: 100, afterBytes: 0 };
  await assert.rejects(src.read(5_000_000, 10_000), /could not read .*pydoc-llama-5m-F16\.gguf: the connection kept dropping at byte 5000000 \(4 attempts\)/);
  hub.faults.dropMidBody = undefined;
  await src.close?.();
});

test('a file whose bytes change under the reader stops it instead of mixing versions', async () => {
  const src = await openGguf({ repo: PYDOC });
  await src.read(0, 10);
  const changed = gguf.slice();
  changed[2_000_000] ^= 1;
  hub.replaceBytes(PYDOC, 'pydoc-llama-5m-F16.gguf', changed);
  try {
    await assert.rejects(src.read(2_000_000, 100), /pydoc-llama-5m@main\/pydoc-llama-5m-F16\.gguf changed on the Hub while it was being read \(ETag/);
  } finally {
    hub.replaceBytes(PYDOC, 'pydoc-llama-5m-F16.gguf', gguf);
    await src.close?.();
  }
});

test('429 with Retry-After is waited out; a 5xx is retried with backoff', async () => {
  const src = await openGguf();
  hub.faults.tooManyRequests = { times: 1, retryAfter: 1, pathIncludes: '/repos/' };
  const t0 = performance.now();
  assert.deepEqual(await src.read(3_000_000, 10), gguf.subarray(3_000_000, 3_000_010));
  assert.ok(performance.now() - t0 >= 950, 'waited the second asked for');
  hub.faults.serverError = { times: 2, status: 503 };
  assert.deepEqual(await src.read(6_000_000, 10), gguf.subarray(6_000_000, 6_000_010));
  await src.close?.();
});

test('cancel aborts the request in flight at once', async () => {
  const controller = new AbortController();
  const src = await openGguf({ signal: controller.signal });
  await src.read(0, 10);
  const mark = hub.log.length;
  hub.faults.stallMidBody = { times: 1, afterBytes: 1000 };
  const reading = src.read(4_000_000, 100_000);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  controller.abort();
  await assert.rejects(reading, (e: unknown) => e instanceof CancelledError);
  assert.ok(performance.now() - t0 < 200, 'rejected at once');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(fileRequests(mark).some((r) => r.clientGaveUp), 'the stalled request was closed');
});

test('one read-ahead budget bounds what every file of a job keeps', async () => {
  const budget = new ReadAheadBudget(3 * BLOCK);
  const files = await Promise.all([openGguf({ budget }), openGguf({ budget }), openGguf({ budget })]);
  let max = 0;
  for (let step = 0; step < 20; step++) {
    for (const f of files) {
      const at = step * 100_000;
      assert.deepEqual(await f.read(at, 100_000), gguf.subarray(at, at + 100_000));
      max = Math.max(max, budget.bytes);
    }
  }
  assert.ok(max <= 3 * BLOCK + 100_000, `kept at most ${max} bytes`);
  await Promise.all(files.map((f) => f.close?.()));
});

test('a source opened once serves several runs: cancelling one aborts its requests, the next reads again', async () => {
  let run = new AbortController();
  const access = { endpoint: hub.url, tokenHint: 'x', retry, blockBytes: BLOCK, signal: () => run.signal };
  const listing = await listHubRepo({ repo: PYDOC_GGUF_ONLY }, access);
  const src = openRemoteFile(listing, listing.files.find((f) => f.path.endsWith('.gguf'))!, access);
  hub.faults.stallMidBody = { times: 1, afterBytes: 10 };
  const reading = src.read(7_000_000, 1000);
  await new Promise((r) => setTimeout(r, 100));
  run.abort();
  await assert.rejects(reading, (e: unknown) => e instanceof CancelledError);
  run = new AbortController();
  assert.deepEqual(await src.read(7_000_000, 1000), gguf.subarray(7_000_000, 7_001_000));
  await src.close?.();
});

test('a reader that says where it stops (a tensor\'s end) gets blocks ahead up to there and not a byte past it', async () => {
  const src = await openGguf();
  await src.read(0, 10);
  const mark = hub.log.length;
  const start = 2_000_000;
  const until = start + 700_000;
  for (let at = start; at < until; at += 100_000) {
    assert.deepEqual(await src.read(at, 100_000, { until }), gguf.subarray(at, at + 100_000));
  }
  const reqs = fileRequests(mark);
  assert.equal(sent(reqs), 700_000, `exactly the tensor: ${JSON.stringify(reqs.map((r) => [r.range, r.bytesSent]))}`);
  const last = Math.max(...reqs.map((r) => Number(/-(\d+)$/.exec(r.range ?? '')?.[1])));
  assert.equal(last, until - 1, 'nothing past its end');
  await src.close?.();
});
