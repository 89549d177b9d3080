// Files a preset names but never carries (the importance matrix, tensor type files): the link and JSON carry
// their names and SHA-256s, the app hashes what it is given (checked against node:crypto) and takes a file
// only when the hash is the named one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodePresetLink, encodePresetLink, readPresetLink } from '../../web/src/app/presets/preset-url.ts';
import { exportPresets, importPresets } from '../../web/src/app/presets/preset-json.ts';
import { checkPreset, DEFAULT_PRESET, PresetError, type Preset } from '../../web/src/app/presets/preset.ts';
import { checkWantedFile, wantedImatrix, wantedTensorTypeFiles } from '../../web/src/app/presets/wanted-file.ts';
import { openWantedImatrix } from '../../web/src/app/model/imatrix-session.ts';
import { namingTensorTypeFile, openTensorTypeFile, openWantedTensorTypeFile } from '../../web/src/app/model/tensor-type-file-session.ts';
import { appliedTensorTypes, optionsFor } from '../../web/src/app/model/beside-files.ts';
import { llamaQuantizeCommand } from '../../web/src/app/run/command-lines.ts';
import { WEIGHT_FILTER_ROWS, weightFilterBlock } from '../../web/src/app/presets/weight-filters.ts';
import { SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF } from '../helpers/paths.ts';
import { inThreadSha256 } from '../helpers/in-thread-sha256.ts';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const ggufBytes = readFileSync(SHARED_IMATRIX_GGUF);
const GGUF_SHA = sha(ggufBytes);

const named: Preset = {
  ...DEFAULT_PRESET,
  types: ['IQ2_XS'],
  imatrixFile: 'pydoc-llama-5m.imatrix.gguf',
  imatrixFileSha256: GGUF_SHA,
  excludeWeights: ['attn_v', 'ffn_down'],
  tensorTypeFiles: ['types.txt', 'more types.txt'],
  tensorTypeFilesSha256: ['ab'.repeat(32), 'cd'.repeat(32)],
};

test('a link and a preset file carry the imatrix and tensor type files by name and SHA-256, and the weight filters', () => {
  const link = encodePresetLink(named);
  assert.equal(link,
    `type=IQ2_XS&imatrix=pydoc-llama-5m.imatrix.gguf&imatrix-sha256=${GGUF_SHA}&exclude-weights=attn_v&exclude-weights=ffn_down` +
    `&tensor-type-file=types.txt&tensor-type-file-sha256=${'ab'.repeat(32)}&tensor-type-file=more%20types.txt&tensor-type-file-sha256=${'cd'.repeat(32)}`);
  assert.deepEqual(decodePresetLink(link), { kind: 'preset', preset: named });
  assert.deepEqual(importPresets(exportPresets([{ name: 'low', preset: named }]))[0].preset, named);
  // llama-quantize has no such flag: the hashes stay out of the command line
  assert.equal(llamaQuantizeCommand('m.gguf', 'o.gguf', 'IQ2_XS', named),
    "llama-quantize --imatrix pydoc-llama-5m.imatrix.gguf --exclude-weights attn_v --exclude-weights ffn_down --tensor-type-file types.txt --tensor-type-file 'more types.txt' m.gguf o.gguf IQ2_XS");
  assert.deepEqual(wantedImatrix(named), { name: 'pydoc-llama-5m.imatrix.gguf', sha256: GGUF_SHA });
  assert.deepEqual(wantedTensorTypeFiles(named).map((w) => w.sha256), ['ab'.repeat(32), 'cd'.repeat(32)]);
});

test('a hash that is not one is named; a hash with no file to check is dropped; upper case is read', () => {
  const bad = readPresetLink(`type=Q4_K_M&imatrix=m.gguf&imatrix-sha256=xyz`);
  assert.equal(bad.kind, 'read');
  assert.deepEqual((bad as { problems: readonly string[] }).problems, ['imatrix-sha256: "xyz" is not a SHA-256 (64 hexadecimal digits)']);
  assert.equal((bad as { preset: Preset }).preset.imatrixFile, 'm.gguf', 'the name is still used');
  assert.throws(() => checkPreset({ imatrixFile: 'm.gguf', imatrixFileSha256: 12 }, 'json'), (e: unknown) => e instanceof PresetError && /imatrixFileSha256: expected a SHA-256 hash/.test(e.message));
  assert.equal(checkPreset({ imatrixFileSha256: GGUF_SHA }).imatrixFileSha256, undefined);
  assert.equal(checkPreset({ imatrixFile: 'm', imatrixFileSha256: GGUF_SHA.toUpperCase() }).imatrixFileSha256, GGUF_SHA);
  const twice = decodePresetLink(`type=Q4_K_M&imatrix=m&imatrix-sha256=${GGUF_SHA}&imatrix-sha256=${GGUF_SHA}`);
  assert.deepEqual(twice, { kind: 'malformed', message: "option 'imatrix-sha256' is given twice" });
});

test('the file hash is the SHA-256 node:crypto computes, in slices across a larger file too', async () => {
  assert.equal(await inThreadSha256(new Blob([ggufBytes])), GGUF_SHA);
  const big = new Uint8Array(20 * 1024 * 1024 + 3).map((_, i) => (i * 2654435761) >>> 24);
  assert.equal(await inThreadSha256(new Blob([big])), sha(big));
  assert.equal(await inThreadSha256(new Blob([])), sha(''));
});

test('the imatrix a preset names: the right file is taken whatever its name, another is refused naming both hashes', async () => {
  const wanted = wantedImatrix(named)!;
  const right = await openWantedImatrix(new Blob([ggufBytes]), 'renamed.gguf', wanted, inThreadSha256);
  assert.equal(right.sha256, GGUF_SHA);
  assert.equal(right.matrix.entries.length, 28);
  const datSha = sha(readFileSync(SHARED_IMATRIX_DAT));
  await assert.rejects(openWantedImatrix(new Blob([readFileSync(SHARED_IMATRIX_DAT)]), 'pydoc-llama-5m.imatrix.dat', wanted, inThreadSha256), {
    message: `'pydoc-llama-5m.imatrix.dat' is not the file this preset names: its SHA-256 is ${datSha.slice(0, 12)}…, 'pydoc-llama-5m.imatrix.gguf' has ${GGUF_SHA.slice(0, 12)}…`,
  });
  // no hash named (a hand-written link): any importance matrix is taken; none wanted: likewise
  assert.ok(await openWantedImatrix(new Blob([readFileSync(SHARED_IMATRIX_DAT)]), 'x.dat', { name: 'x.dat' }, inThreadSha256));
  assert.deepEqual(checkWantedFile('a', GGUF_SHA.toUpperCase(), wanted), { ok: true });
});

test('a tensor type file is read as llama-quantize reads it; a bad one is refused in one line', async () => {
  const text = 'attn_v=q8_0\n  FFN_DOWN\\.weight=Q6_K\t\r\nblk\\.0\\..*=f16  \n';
  const f = await openTensorTypeFile(new Blob([text]), 'types.txt', inThreadSha256);
  assert.deepEqual(f.entries, [{ pattern: 'attn_v', type: 'q8_0' }, { pattern: 'ffn_down\\.weight', type: 'q6_K' }, { pattern: 'blk\\.0\\..*', type: 'f16' }]);
  assert.equal(f.sha256, sha(text));
  assert.deepEqual((await openTensorTypeFile(new Blob(['\n \n']), 'empty.txt', inThreadSha256)).entries, []);
  const refusals: [BlobPart, string][] = [
    ['attn_v=q8_0 ffn_up', "'bad.txt': malformed tensor type 'ffn_up': expected REGEX=TYPE"],
    ['attn_v=q9_9', "'bad.txt': invalid ggml type 'q9_9' for tensor type 'attn_v=q9_9'"],
    ['attn_v=', "'bad.txt': malformed tensor type 'attn_v=': missing quantization type"],
    ['(attn=q8_0', "'bad.txt': '(attn' is not a valid regular expression"],
    [new Uint8Array([0x47, 0x47, 0x55, 0x46, 0, 0, 0, 3]), "'bad.txt' is not a text file: a tensor type file holds REGEX=TYPE entries"],
    [new Uint8Array([0x61, 0x3d, 0xff, 0xfe]), "'bad.txt' is not a text file: a tensor type file holds REGEX=TYPE entries"],
    [new Uint8Array(1024 * 1024 + 1).fill(0x20), "'bad.txt' is 1048577 bytes: a tensor type file is a short text of REGEX=TYPE entries (at most 1 MiB here)"],
  ];
  for (const [bytes, message] of refusals) {
    await assert.rejects(openTensorTypeFile(new Blob([bytes]), 'bad.txt', inThreadSha256), (e: Error) => e.message === message && !e.message.includes('\n'), message);
  }
  await assert.rejects(openWantedTensorTypeFile(new Blob([text]), 'types.txt', { name: 'types.txt', sha256: 'ab'.repeat(32) }, inThreadSha256),
    /'types\.txt' is not the file this preset names: its SHA-256 is [0-9a-f]{12}…, 'types\.txt' has abababababab…/);
});

test("a tensor type file's entries follow the preset's own rows; a named file not opened refuses the type", async () => {
  const f = await openTensorTypeFile(new Blob(['ffn=q4_0']), 'types.txt', inThreadSha256);
  const preset: Preset = { ...DEFAULT_PRESET, tensorTypes: [{ pattern: 'attn', type: 'q8_0' }] };
  const withFile = namingTensorTypeFile(preset, [f], f);
  assert.deepEqual([withFile.tensorTypeFiles, withFile.tensorTypeFilesSha256], [['types.txt'], [f.sha256]]);
  const options = optionsFor(withFile, 'Q4_K_M', { imatrix: null, tensorTypeFiles: [f] });
  assert.deepEqual(options.tensorTypes, [{ pattern: 'attn', type: 'q8_0' }, { pattern: 'ffn', type: 'q4_0' }]);
  assert.deepEqual(options.tensorTypeFiles, ['types.txt']);
  assert.throws(() => optionsFor(withFile, 'Q4_K_M', { imatrix: null, tensorTypeFiles: [] }),
    { message: "the tensor type file 'types.txt' is named but was not opened: open it, or go on without it" });
  // a file with the same name but other content is not the named one
  const other = await openTensorTypeFile(new Blob(['ffn=q5_0']), 'types.txt', inThreadSha256);
  assert.throws(() => optionsFor(withFile, 'Q4_K_M', { imatrix: null, tensorTypeFiles: [other] }), /named but was not opened/);
  // going on without it: the preset no longer names it
  const without = namingTensorTypeFile(withFile, [f], null, 0);
  assert.deepEqual([without.tensorTypeFiles, without.tensorTypeFilesSha256], [[], []]);
  // a wanted file given under another name replaces the named one, hash and all
  const renamed = namingTensorTypeFile({ ...preset, tensorTypeFiles: ['a.txt', 'b.txt'], tensorTypeFilesSha256: ['ab'.repeat(32)] }, [], f, 0);
  assert.deepEqual([renamed.tensorTypeFiles, renamed.tensorTypeFilesSha256], [['types.txt', 'b.txt'], [f.sha256]]);
});

test("the plan preview counts a tensor type file's rows after the preset's own", async () => {
  const f = await openTensorTypeFile(new Blob(['ffn=q4_0 attn_v=q6_K']), 'types.txt', inThreadSha256);
  const preset = namingTensorTypeFile({ ...DEFAULT_PRESET, tensorTypes: [{ pattern: 'attn', type: 'q8_0' }] }, [f], f);
  assert.deepEqual(appliedTensorTypes(preset, [f]).map((t) => t.pattern), ['attn', 'ffn', 'attn_v']);
  assert.deepEqual(appliedTensorTypes(preset, []).map((t) => t.pattern), ['attn'], 'a file not opened adds nothing');
});

test('weight filters: only with an importance matrix, and one or the other as llama-quantize', () => {
  const [include, exclude] = WEIGHT_FILTER_ROWS;
  assert.deepEqual([include.flag, exclude.flag], ['--include-weights', '--exclude-weights']);
  assert.equal(weightFilterBlock(include, {}, false), 'Only meaningful with an importance matrix: open one below.');
  assert.equal(weightFilterBlock(include, {}, true), undefined);
  assert.equal(weightFilterBlock(include, { excludeWeights: ['', 'attn_v'] }, true), 'Not with --exclude-weights: llama-quantize takes --include-weights or --exclude-weights, not both.');
  assert.equal(weightFilterBlock(exclude, { excludeWeights: ['attn_v'], includeWeights: [''] }, true), undefined, 'an empty draft row is no filter');
});
