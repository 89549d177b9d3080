// The evaluator panels' text choice: the bundled held-out text is ready from the start and read once per
// model (a failed read is tried again), a file of one's own is refused by name when it cannot be used, and
// a disabled start button always has its reason in one line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { tokenizeEvalText } from '../../web/src/core/eval/eval-text.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import {
  bundledTextLabel, chunksToUse, fetchBundledBytes, initialTextState, preparedFile, readChosenText, startBlocker, textFacts, type BundledText,
} from '../../web/src/app/quality/text-choice.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';

const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');
const bundled: BundledText = { path: 'samples/heldout.txt', name: 'heldout.txt', size: statSync(HELDOUT).size };
const opened: { close(): Promise<void> }[] = [];
after(() => Promise.all(opened.map((s) => s.close())));
const openSource = async () => {
  const source = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  opened.push(source);
  return source;
};

test('the bundled text says what it is: name, size, licence, and that its figures only compare quants', () => {
  const { label, about } = bundledTextLabel(bundled);
  assert.equal(label, 'heldout.txt, 317 kB');
  assert.match(about, /Python documentation/);
  assert.match(about, /English prose and code/);
  assert.match(about, /PSF License/);
  assert.match(about, /compare quants .* not an absolute score/);
});

test('with a bundled text the panels can start at once; without one they say to choose a file', () => {
  assert.equal(startBlocker({ running: false, text: initialTextState(bundled) }), null);
  assert.equal(startBlocker({ running: false, text: initialTextState(bundled), outputs: 2 }), null);
  assert.equal(startBlocker({ running: false, text: initialTextState(null) }), 'Choose a text above first.');
});

test('every other reason the start button waits is one line', () => {
  const text = initialTextState(bundled);
  assert.equal(startBlocker({ running: true, text }), 'Running: wait for it to finish, or cancel it.');
  assert.equal(startBlocker({ running: false, text, busy: 'Waiting for the quantization.' }), 'Waiting for the quantization.');
  assert.match(startBlocker({ running: false, text, outputs: 0 })!, /^Nothing to compare with the source yet: quantize it above, or add GGUF files to compare\.$/);
  assert.equal(startBlocker({ running: false, text: { kind: 'reading', name: 'mine.txt' } }), 'Reading mine.txt…');
  assert.equal(startBlocker({ running: false, text: { kind: 'refused', name: 'x.bin', message: 'x.bin is not UTF-8 text' } }), 'x.bin cannot be used (see above): choose another text.');
  // the running reason comes first: the others can wait until it ends
  assert.equal(startBlocker({ running: true, text: { kind: 'none' }, outputs: 0 }), 'Running: wait for it to finish, or cancel it.');
});

test('the bundled text is fetched and tokenized once per model, as llama-perplexity reads -f', async () => {
  const source = await openSource();
  let fetches = 0;
  const fetchBytes = async (b: BundledText) => {
    assert.equal(b.path, 'samples/heldout.txt');
    fetches++;
    return new Uint8Array(readFileSync(HELDOUT));
  };
  const state = initialTextState(bundled);
  const [a, b] = await Promise.all([readChosenText(state, source, fetchBytes), readChosenText(state, source, fetchBytes)]);
  assert.equal(fetches, 1, 'shared between the panels');
  assert.equal(a, b);
  const tokens = tokenizeEvalText(source, readFileSync(HELDOUT, 'utf8').replace(/\n$/, '')).length;
  assert.equal(a.tokens, tokens);
  assert.equal(a.chunks, Math.floor(tokens / 256));
  assert.equal(textFacts(a, source), `heldout.txt: ${tokens} tokens, ${a.chunks} chunks of 256`);
  // another model reads it again (its tokenizer may differ)
  await readChosenText(state, await openSource(), fetchBytes);
  assert.equal(fetches, 2);
});

test('a failed read of the bundled text is not kept: the next start tries again', async () => {
  const source = await openSource();
  let fail = true;
  const fetchBytes = async () => {
    if (fail) throw new QuantsmithError('could not load heldout.txt: HTTP 503');
    return new Uint8Array(readFileSync(HELDOUT));
  };
  await assert.rejects(readChosenText(initialTextState(bundled), source, fetchBytes), /^QuantsmithError: could not load heldout.txt: HTTP 503$/);
  fail = false;
  assert.ok((await readChosenText(initialTextState(bundled), source, fetchBytes)).chunks > 100);
});

test('fetching the bundled text from an unreachable server fails in one line naming it', async () => {
  await assert.rejects(fetchBundledBytes({ ...bundled, path: 'http://127.0.0.1:1/samples/heldout.txt' }), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError);
    assert.match(e.message, /^could not load heldout\.txt: [^\n]+$/);
    return true;
  });
});

test('a file of one\'s own: read and counted, too short or binary refused by name, nothing chosen refused', async () => {
  const source = await openSource();
  const own = preparedFile(source, new TextEncoder().encode(readFileSync(HELDOUT, 'utf8').slice(0, 20_000)), 'mine.txt');
  assert.equal(own.name, 'mine.txt');
  assert.ok(own.chunks >= 1);
  assert.equal(await readChosenText({ kind: 'file', text: own }, source, async () => assert.fail('no fetch for a file')), own);
  assert.throws(() => preparedFile(source, new TextEncoder().encode('def f(): pass'), 'short.txt'), /^QuantsmithError: short\.txt is too short: \d+ tokens, one chunk needs 256$/);
  assert.throws(() => preparedFile(source, Uint8Array.of(71, 71, 0, 1), 'x.gguf'), /^QuantsmithError: x\.gguf is not a text file: it holds a NUL byte at offset 2$/);
  await assert.rejects(readChosenText({ kind: 'none' }, source, async () => assert.fail()), /^QuantsmithError: Choose a text above first\.$/);
});

test('the chunks a run reads: at least one, at most what a read file holds', () => {
  const text = { name: 'mine.txt', text: '', tokens: 800, chunks: 3 };
  assert.equal(chunksToUse(8, { kind: 'file', text }), 3);
  assert.equal(chunksToUse(2, { kind: 'file', text }), 2);
  assert.equal(chunksToUse(0, initialTextState(bundled)), 1);
  assert.equal(chunksToUse(Number.NaN, initialTextState(bundled)), 1);
  assert.equal(chunksToUse(64.7, initialTextState(bundled)), 64);
});
