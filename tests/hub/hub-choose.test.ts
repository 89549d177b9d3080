// Listing a repository on the stand-in Hub and choosing what to quantize: several candidates are listed
// with their sizes, a link or a pick chooses one, and what cannot be used is refused saying why.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { scratchDir } from '../helpers/paths.ts';
import { startStandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { GATED, GOOD_TOKEN, GPTQ, MAMBA, OTHER_TOKEN, PICKLE, PYDOC, PYDOC_GGUF_ONLY, PYDOC_SPLIT, QUANTIZED, SHARDED, splitRepo, testRepos } from '../fixtures/hub/test-repos.ts';
import { openHubModel } from '../../web/src/core/hub/open-hub-model.ts';
import { HubChoiceNeeded } from '../../web/src/core/hub/candidates.ts';
import { parseHubRef } from '../../web/src/core/hub/hub-ref.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';

const work = scratchDir();
const split = await splitRepo(work);
const hub = await startStandInHub([...testRepos(work).repos, split, { id: 'quantsmith-test/half-a-split', files: split.files.slice(0, 1) }]);
after(() => hub.close());
const access = (token?: string) => ({ endpoint: hub.url, token, tokenHint: 'set HF_TOKEN', retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 } });

async function open(input: string, token?: string, pick?: string) {
  const m = await openHubModel(parseHubRef(input, hub.url), access(token), { chooseHint: 'choose one with --hub-file', pick });
  await m.source.close();
  return m;
}

async function refusal(input: string, token?: string): Promise<string> {
  try {
    await open(input, token);
  } catch (e) {
    assert.ok(e instanceof QuantsmithError, String(e));
    assert.ok(!e.message.includes('\n'), 'one line');
    for (const t of [GOOD_TOKEN, OTHER_TOKEN]) assert.ok(!e.message.includes(t), 'the token never appears');
    return e.message;
  }
  assert.fail(`${input} opened`);
}

test('a repository with both a safetensors set and an F16 GGUF lists both with sizes', async () => {
  await assert.rejects(open(PYDOC), (e: unknown) => {
    assert.ok(e instanceof HubChoiceNeeded);
    assert.deepEqual(e.candidates.map((c) => c.id), ['*.safetensors', 'pydoc-llama-5m-F16.gguf']);
    assert.match(e.message, /holds 2 models .*choose one with --hub-file: \*\.safetensors \(safetensors, 10\.5 MB\), pydoc-llama-5m-F16\.gguf \(GGUF F16, 10\.6 MB\)/);
    return true;
  });
  assert.equal((await open(PYDOC, undefined, 'safetensors')).source.format, 'safetensors');
  assert.equal((await open(PYDOC, undefined, 'pydoc-llama-5m-F16.gguf')).source.format, 'gguf');
  assert.equal((await open(`${hub.url}/${PYDOC}/resolve/main/pydoc-llama-5m-F16.gguf`)).source.format, 'gguf');
  assert.equal((await open(`${hub.url}/${PYDOC}/blob/main/config.json`)).candidate.kind, 'safetensors');
});

test('a single candidate is opened directly: a GGUF repository, a sharded safetensors set through its index', async () => {
  const g = await open(PYDOC_GGUF_ONLY);
  assert.equal(g.candidate.description, 'GGUF F16');
  const s = await open(`${SHARDED}@main`);
  assert.equal(s.candidate.description, 'safetensors, 3 shards');
  assert.equal(s.source.name, 'tiny-llama-sharded', 'the repository name plays the folder name');
  assert.equal(s.listing.commit, hub.repos.get(SHARDED)!.sha);
});

test('a split GGUF is one candidate of all its files; a split with a file missing is refused', async () => {
  const m = await open(PYDOC_SPLIT);
  assert.equal(m.candidate.description, 'GGUF F16, 2 splits');
  assert.equal(m.source.tensors.length, 39);
  assert.equal(m.source.sizeBytes, split.files.reduce((n, f) => n + f.bytes.length, 0));
  assert.match(await refusal('quantsmith-test/half-a-split'), /pydoc-llama-5m-F16-00001-of-00002\.gguf is split in 2 but 1 are in the repository/);
});

test('nothing usable: already quantized, pickle-only, an unsupported architecture, quantized safetensors', async () => {
  assert.match(await refusal(QUANTIZED), /has nothing Quantsmith can quantize: its GGUF files are already quantized \(Q4_K_M, Q8_0\)/);
  assert.match(await refusal(PICKLE), /pytorch_model\.bin holds PyTorch pickle weights only/);
  assert.match(await refusal(MAMBA), /MambaForCausalLM, an architecture Quantsmith cannot convert/);
  assert.match(await refusal(GPTQ), /already quantized \(gptq\)/);
});

test('gated, private and missing: what to do, by name', async () => {
  assert.match(await refusal(GATED), new RegExp(`${GATED} is a gated model: accept its licence at ${hub.url}/${GATED}, then set HF_TOKEN`));
  assert.match(await refusal(GATED, OTHER_TOKEN), new RegExp(`this token cannot read ${GATED}, a gated model: accept its licence at ${hub.url}/${GATED}`));
  assert.equal((await open(GATED, GOOD_TOKEN)).candidate.kind, 'safetensors');
  assert.match(await refusal('nobody/nothing'), /nobody\/nothing: no such model on http:\/\/127\.0\.0\.1:\d+ \(if it is private, set HF_TOKEN\)/);
  assert.match(await refusal('nobody/nothing', GOOD_TOKEN), /no such model on .*, or this token cannot see it/);
  assert.match(await refusal(`${PYDOC}@no-such-branch`), /has no branch, tag or commit 'no-such-branch'/);
  assert.match(await refusal(`${hub.url}/${PYDOC}/resolve/main/missing-F16.gguf`), /pydoc-llama-5m@main has no file missing-F16\.gguf/);
  assert.match(await refusal('nobody/nothing', 'hf_invalidTokenX'), /no such model/);
  await assert.rejects(open(PYDOC, 'not-a-token'), /not a Hugging Face access token/);
});

test('a 429 with Retry-After is waited out, then the listing succeeds', async () => {
  hub.faults.tooManyRequests = { times: 1, retryAfter: 1 };
  const t0 = performance.now();
  await open(PYDOC_GGUF_ONLY);
  assert.ok(performance.now() - t0 >= 950, 'waited the second the Hub asked for');
  hub.faults.tooManyRequests = { times: 5, retryAfter: 3600 };
  assert.match(await refusal(PYDOC_GGUF_ONLY), /asked to wait 3600 s/);
  hub.faults.tooManyRequests = undefined;
});
