// What people paste to name a Hub model, and the one-line refusals of what is not one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeHubRef, parseHubRef } from '../../web/src/core/hub/hub-ref.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';

test('ids, revisions, model pages, tree, resolve and blob links', () => {
  const cases: [string, object][] = [
    ['meta-llama/Llama-3.2-1B', { repo: 'meta-llama/Llama-3.2-1B', revision: undefined }],
    ['org/name@v1.0', { repo: 'org/name', revision: 'v1.0' }],
    ['org/name@0123456789abcdef0123456789abcdef01234567', { repo: 'org/name', revision: '0123456789abcdef0123456789abcdef01234567' }],
    ['https://huggingface.co/TheBloke/Llama-2-7B-GGUF', { repo: 'TheBloke/Llama-2-7B-GGUF' }],
    ['huggingface.co/org/name', { repo: 'org/name' }],
    ['https://hf.co/org/name/', { repo: 'org/name' }],
    ['https://huggingface.co/org/name/tree/main', { repo: 'org/name', revision: 'main' }],
    ['https://huggingface.co/org/name/tree/refs%2Fpr%2F3', { repo: 'org/name', revision: 'refs/pr/3' }],
    ['https://huggingface.co/org/name/tree/dev/f16', { repo: 'org/name', revision: 'dev', path: 'f16', pathKind: 'folder' }],
    ['https://huggingface.co/org/name/resolve/main/model-F16.gguf?download=true', { repo: 'org/name', revision: 'main', path: 'model-F16.gguf', pathKind: 'file' }],
    ['https://huggingface.co/org/name/blob/main/sub/dir/model%20F16.gguf', { repo: 'org/name', revision: 'main', path: 'sub/dir/model F16.gguf', pathKind: 'file' }],
    ['https://huggingface.co/models/org/name', { repo: 'org/name' }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseHubRef(input), want, input);
});

test('links on the configured endpoint (a mirror) are read like huggingface.co links', () => {
  assert.deepEqual(parseHubRef('https://hf-mirror.com/org/name/tree/main', 'https://hf-mirror.com'), { repo: 'org/name', revision: 'main' });
  assert.deepEqual(parseHubRef('http://127.0.0.1:8080/org/name', 'http://127.0.0.1:8080'), { repo: 'org/name' });
});

test('malformed ids and links are refused in one line that names them', () => {
  const bad: [string, RegExp][] = [
    ['org/name/extra', /'org\/name\/extra' is not a Hub model id/],
    ['org//name', /not a Hub model id/],
    ['org/na--me', /not a Hub model id/],
    ['org/name@', /'' is not a branch, tag or commit name/],
    ['org/name@a..b', /is not a branch, tag or commit name/],
    ['https://example.com/org/name', /not a Hugging Face Hub link/],
    ['https://huggingface.co/datasets/org/data', /is a dataset, not a model/],
    ['https://huggingface.co/spaces/org/app', /is a Space, not a model/],
    ['https://huggingface.co/org', /names no model/],
    ['https://huggingface.co/org/name/discussions', /not a model page, tree, resolve or blob link/],
    ['https://huggingface.co/org/name/resolve/main', /names no file/],
    ['https://huggingface.co/org/name/tree', /names no revision/],
    ['   ', /no Hub model given/],
  ];
  for (const [input, pattern] of bad) {
    assert.throws(() => parseHubRef(input), (e: unknown) => e instanceof QuantsmithError && pattern.test(e.message) && !e.message.includes('\n'), input);
  }
});

test('what looks like a Hub reference (the CLI asks only when no local path of that name exists)', () => {
  for (const s of ['org/name', 'org/name@main', 'https://huggingface.co/org/name', 'hf.co/org/name']) assert.ok(looksLikeHubRef(s), s);
  for (const s of ['model.gguf', './org/name', '../x/y', '/abs/path', 'a/b/c', 'C:\\models\\x']) assert.ok(!looksLikeHubRef(s), s);
});
