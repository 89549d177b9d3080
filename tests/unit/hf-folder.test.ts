// Model folders: on disk (Node) and from browser file lists, and recognizing a Hugging Face folder by its names.
// The same synthetic folder opened both ways gives the same ModelSource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { isHfFolder, openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { folderFromFiles } from '../../web/src/io/browser-folder.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { writeSyntheticFolder } from '../fixtures/hf/synthetic-folder.ts';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'qs-hf-folder-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Files as a browser's directory picker gives them: webkitRelativePath starts with the folder's name. */
function pickedFiles(dir: string, folderName: string): File[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [join(d, e)]));
  return walk(dir).map((path) => {
    const file = new File([readFileSync(path)], path.split('/').pop()!);
    Object.defineProperty(file, 'webkitRelativePath', { value: `${folderName}/${relative(dir, path)}` });
    return file;
  });
}

test('a Node folder lists its files and one level of sub-folders, and opens them', async () => {
  const dir = join(work, 'my-model');
  mkdirSync(join(dir, '1_Pooling', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}');
  writeFileSync(join(dir, '1_Pooling', 'config.json'), '{"x": 1}');
  writeFileSync(join(dir, '1_Pooling', 'deeper', 'ignored.txt'), 'no');
  const folder = await openNodeFolder(dir);
  assert.equal(folder.name, 'my-model');
  assert.deepEqual(folder.list(), ['1_Pooling/config.json', 'config.json']);
  const src = await folder.open('1_Pooling/config.json');
  assert.equal(new TextDecoder().decode(await src.read(0, src.size)), '{"x": 1}');
  await src.close?.();
  await assert.rejects(folder.open('missing.json'), QuantsmithError);
  await assert.rejects(openNodeFolder(join(work, 'nowhere')), /no such folder/);
});

test('browser file lists: the folder name from webkitRelativePath, or given for loose files', async () => {
  const folder = folderFromFiles([
    Object.defineProperty(new File(['{}'], 'config.json'), 'webkitRelativePath', { value: 'Qwen2.5-0.5B/config.json' }),
    Object.defineProperty(new File(['abc'], 'a.jinja'), 'webkitRelativePath', { value: 'Qwen2.5-0.5B/additional_chat_templates/a.jinja' }),
  ]);
  assert.equal(folder.name, 'Qwen2.5-0.5B');
  assert.deepEqual(folder.list(), ['additional_chat_templates/a.jinja', 'config.json']);
  const src = await folder.open('additional_chat_templates/a.jinja');
  assert.equal(new TextDecoder().decode(await src.read(1, 2)), 'bc');
  const loose = folderFromFiles([new File(['{}'], 'config.json')], 'dropped-model');
  assert.equal(loose.name, 'dropped-model');
  assert.deepEqual(loose.list(), ['config.json']);
  await assert.rejects(loose.open('model.safetensors'), QuantsmithError);
});

test('isHfFolder: config.json plus safetensors weights or their index, at the top level', () => {
  assert.equal(isHfFolder(['config.json', 'model.safetensors', 'tokenizer.json']), true);
  assert.equal(isHfFolder(['config.json', 'model.safetensors.index.json']), true);
  assert.equal(isHfFolder(['config.json', 'model-00001-of-00002.safetensors']), true);
  assert.equal(isHfFolder(['model.safetensors']), false);
  assert.equal(isHfFolder(['config.json', 'pytorch_model.bin']), false);
  assert.equal(isHfFolder(['sub/config.json', 'sub/model.safetensors']), false);
  assert.equal(isHfFolder(['model.gguf']), false);
});

test('the same folder opened from disk and from a browser file list gives the same source', async () => {
  const dir = join(work, 'synth-qwen3');
  writeSyntheticFolder(dir, { arch: 'qwen3', dtype: 'BF16', tokenizer: 'spm', shards: 2 });
  const fromDisk = await openHfModel(await openNodeFolder(dir));
  const fromPicker = await openHfModel(folderFromFiles(pickedFiles(dir, 'synth-qwen3')));
  try {
    assert.deepEqual(fromPicker.metadata, fromDisk.metadata);
    assert.equal(fromPicker.sizeBytes, fromDisk.sizeBytes);
    assert.deepEqual(fromPicker.tensors.map((t) => [t.name, t.shape, t.type]), fromDisk.tensors.map((t) => [t.name, t.shape, t.type]));
    const a = fromDisk.tensors.find((t) => t.name === 'blk.1.attn_q.weight')!;
    const b = fromPicker.tensors.find((t) => t.name === 'blk.1.attn_q.weight')!;
    assert.deepEqual(await b.readRows(2, 9), await a.readRows(2, 9));
  } finally {
    await fromDisk.close();
    await fromPicker.close();
  }
});
