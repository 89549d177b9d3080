// The real conversion path for every supported architecture: runJob on a Hugging Face folder (as the CLI
// and the app run it), in ONE job per folder, writes
//  - the checkpoint's own float type: the bytes convert_hf_to_gguf.py wrote (converter-digests.json);
//  - Q8_0 and Q4_K_M: the bytes llama.cpp's quantizer writes from that converter file;
//  - another float type through the quantizer (pure): llama.cpp's bytes for it too.
// F16, BF16 and F32 checkpoints are among the folders.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../../web/src/core/engine/run-job.ts';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { writeSyntheticFolder } from '../fixtures/hf/synthetic-folder.ts';
import { SYNTHETIC_SPECS } from '../fixtures/hf/synthetic-specs.ts';
import { testPool } from '../helpers/engine.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const digests = JSON.parse(readFileSync(new URL('../fixtures/hf/converter-digests.json', import.meta.url), 'utf8')) as
  Record<string, { sha256: string; bytes: number }>;

/** one folder per architecture, and the F32 and BF16 checkpoints */
const FOLDERS = ['synth-llama', 'synth-llama-f32-bias', 'synth-mistral', 'synth-qwen2', 'synth-qwen3-bpe', 'synth-gemma2', 'synth-gemma3', 'synth-phi4'];
const ftypeId = (name: string) => FTYPES.find((f) => f.name === name)!.id;

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'qs-hf-job-'));
  oracleQuietLogs();
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the seven architectures are all here', () => {
  assert.deepEqual(new Set(FOLDERS.map((n) => SYNTHETIC_SPECS[n]!.arch)).size, 7);
  assert.deepEqual(new Set(FOLDERS.map((n) => SYNTHETIC_SPECS[n]!.dtype)), new Set(['F16', 'F32', 'BF16']));
});

for (const name of FOLDERS) {
  const spec = SYNTHETIC_SPECS[name]!;
  test(`${name} (${spec.arch}, ${spec.dtype}): one job writes the converter's file and llama.cpp's quantized files`, async () => {
    const dir = join(work, name);
    writeSyntheticFolder(dir, spec);
    const own = spec.dtype;
    const other = own === 'F32' ? 'F16' : 'F32';
    const outputs: { label: string; options: QuantizeOptions; oracleFtype?: number; pure?: boolean }[] = [
      { label: own, options: { ftype: own } },
      { label: 'Q8_0', options: { ftype: 'Q8_0' }, oracleFtype: ftypeId('Q8_0') },
      { label: 'Q4_K_M', options: { ftype: 'Q4_K_M' }, oracleFtype: ftypeId('Q4_K_M') },
      { label: `${other}-pure`, options: { ftype: other, pure: true }, oracleFtype: ftypeId(other), pure: true },
    ];
    const path = (label: string) => join(work, `${name}-${label}.ours.gguf`);
    const source = await openHfModel(await openNodeFolder(dir));
    try {
      const requests = await Promise.all(outputs.map(async (o) => ({ options: o.options, sink: await createNodeFileSink(path(o.label)) })));
      await runJob(source, requests, await testPool());
    } finally {
      await source.close();
    }

    const converted = readFileSync(path(own));
    assert.equal(converted.length, digests[name]!.bytes, 'size of the converter\'s file');
    assert.equal(createHash('sha256').update(converted).digest('hex'), digests[name]!.sha256, 'bytes of the converter\'s file');
    for (const o of outputs.slice(1)) {
      const theirs = join(work, `${name}-${o.label}.llama.gguf`);
      assert.equal(oracleQuantizeFile(path(own), theirs, { ftype: o.oracleFtype!, pure: o.pure ?? false }), 0, `llama.cpp failed on ${o.label}`);
      assert.ok(readFileSync(path(o.label)).equals(readFileSync(theirs)), `${name} ${o.label}: differs from llama.cpp`);
    }
  });
}
