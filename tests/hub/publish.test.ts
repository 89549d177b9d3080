// Publishing to the stand-in Hub through @huggingface/hub's createRepo and commit: what arrives is what
// was sent, byte for byte; a failed or cancelled upload leaves no commit; refusals say what to do.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { scratchDir } from '../helpers/paths.ts';
import { startStandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { OTHER_TOKEN, testRepos, WRITE_TOKEN } from '../fixtures/hub/test-repos.ts';
import { publishToHub } from '../../web/src/core/hub/publish.ts';
import { buildModelCard } from '../../web/src/core/hub/model-card.ts';
import { CancelledError } from '../../web/src/core/errors.ts';

const hub = await startStandInHub(testRepos(scratchDir()).repos);
after(() => hub.close());
hub.uploads.writers!.set(WRITE_TOKEN, 'me');
hub.uploads.writers!.set(OTHER_TOKEN, 'someone-else');
const retry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1000 };
const access = (token: string | undefined = WRITE_TOKEN, signal?: AbortSignal) => ({ endpoint: hub.url, token, tokenHint: 'set HF_TOKEN', retry, signal });
const files = () => [
  { path: 'model-Q8_0.gguf', content: new Blob([randomBytes(300_000)]) },
  { path: 'model-Q4_K_M.gguf', content: new Blob([randomBytes(200_000)]) },
];
const bytesOf = async (b: Blob) => new Uint8Array(await b.arrayBuffer());

test('a new repository gets one commit holding every file and the card, byte for byte; a second commit adds to it', async () => {
  const items = files();
  const card = buildModelCard({
    repo: 'me/model-GGUF',
    baseModel: { repo: 'org/model', commit: 'a'.repeat(40), endpoint: hub.url },
    sourceName: 'model',
    outputs: await Promise.all(items.map(async (i) => ({
      type: i.path.slice(6, -5),
      files: [{ path: i.path, size: i.content.size, sha256: createHash('sha256').update(await bytesOf(i.content)).digest('hex') }],
      llamaCpp: `llama-quantize model-F16.gguf ${i.path} ${i.path.slice(6, -5)}`,
    }))),
  });
  const phases: string[] = [];
  const r = await publishToHub('me/model-GGUF', items, card, access(), { title: 'Add GGUF files', private: true, onProgress: (p) => phases.push(p.phase) });
  assert.equal(r.created, true);
  assert.deepEqual(hub.uploads.createdRepos.at(-1), { id: 'me/model-GGUF', private: true });
  for (const phase of ['creating', 'preuploading', 'hashing', 'uploading', 'committing']) assert.ok(phases.includes(phase), phase);
  const commit = hub.uploads.commits.at(-1)!;
  assert.equal(commit.summary, 'Add GGUF files');
  assert.equal(r.commitOid, commit.oid);
  for (const item of items) assert.deepEqual(commit.files.find((f) => f.path === item.path)?.bytes, await bytesOf(item.content));
  assert.equal(new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes), card);
  assert.match(card, /^---\nbase_model: "org\/model"\ntags:\n- gguf\n/);

  const again = await publishToHub('me/model-GGUF', [{ path: 'extra-Q6_K.gguf', content: new Blob([randomBytes(1000)]) }], '# card\n', access(), { title: 'more' });
  assert.equal(again.created, false, 'an existing repository is published into');
  assert.deepEqual(hub.repos.get('me/model-GGUF')!.files.map((f) => f.path), ['README.md', 'extra-Q6_K.gguf', 'model-Q4_K_M.gguf', 'model-Q8_0.gguf']);
});

test('an upload that keeps failing leaves no commit, and says so', async () => {
  const before = hub.uploads.commits.length;
  hub.uploads.failPut = { times: 100, how: 'status' };
  await assert.rejects(publishToHub('me/failing', files(), '# card\n', access(), { title: 't' }), /could not upload to me\/failing on http:\/\/127\.0\.0\.1:\d+: HTTP 500 after 3 attempts; nothing was committed to me\/failing/);
  hub.uploads.failPut = undefined;
  assert.equal(hub.uploads.commits.length, before, 'no commit');
  assert.deepEqual(hub.repos.get('me/failing')!.files, [], 'the repository holds nothing');
});

test('cancel stops the upload and commits nothing', async () => {
  const before = hub.uploads.commits.length;
  const controller = new AbortController();
  const publishing = publishToHub('me/cancelled', files(), '# card\n', access(WRITE_TOKEN, controller.signal), {
    title: 't',
    onProgress: (p) => {
      if (p.phase === 'uploading') controller.abort();
    },
  });
  await assert.rejects(publishing, (e: unknown) => e instanceof CancelledError);
  assert.equal(hub.uploads.commits.length, before);
});

test('refusals: no token, a token for another namespace, a revision instead of a repository', async () => {
  await assert.rejects(publishToHub('me/x', files(), '', access(''), { title: 't' }), /publishing to me\/x needs a token with write access: set HF_TOKEN/);
  await assert.rejects(publishToHub('me/x', files(), '', access(OTHER_TOKEN), { title: 't' }), (e: unknown) => {
    assert.match(String((e as Error).message), /this token cannot write to me\/x: it needs write access/);
    assert.ok(!(e as Error).message.includes(OTHER_TOKEN));
    return true;
  });
  await assert.rejects(publishToHub('me/x@main', files(), '', access(), { title: 't' }), /publish to a repository \(org\/name\)/);
});
