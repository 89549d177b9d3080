// Every standard synthetic model is a file llama.cpp's quantizer accepts (to Q8_0), and our reader reads
// both that file and llama.cpp's output; plus the generator's own promises (determinism, shapes, dtypes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { getNumber, getString } from '../../web/src/core/formats/gguf/metadata.ts';
import { computeGgufLayout, encodeGgufHeader } from '../../web/src/core/formats/gguf/writer.ts';
import type { GgufHeader } from '../../web/src/core/formats/gguf/model.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import {
  STANDARD_SYNTHETIC_SPECS, f32ToBf16Bits, f32ToF16Bits, writeSyntheticModel,
} from '../fixtures/synthetic-models.ts';
import { oracleFp32ToBf16, oracleFp32ToFp16, oracleQuantizeFile } from './llama-cpp.ts';

const LLAMA_FTYPE_MOSTLY_Q8_0 = 7;

async function readHeader(path: string): Promise<GgufHeader> {
  const src = await openNodeFile(path);
  try {
    return await readGgufHeader(src);
  } finally {
    await src.close();
  }
}

/** Our writer, given llama.cpp's output metadata and tensor types, reproduces its header bytes and size. */
function assertWriterReproduces(path: string, header: GgufHeader): void {
  const layout = computeGgufLayout({ metadata: header.metadata, tensors: header.tensors });
  assert.equal(layout.fileSize, statSync(path).size);
  assert.ok(Buffer.from(encodeGgufHeader(layout)).equals(readFileSync(path).subarray(0, header.dataOffset)));
}

const dir = mkdtempSync(join(tmpdir(), 'qs-synthetic-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const spec of STANDARD_SYNTHETIC_SPECS) {
  test(`synthetic ${spec.id}: llama.cpp quantizes it to Q8_0 and we read both files`, async () => {
    const input = join(dir, `${spec.id}.gguf`);
    const output = join(dir, `${spec.id}-Q8_0.gguf`);
    const layout = writeSyntheticModel(input, spec);
    assert.equal(statSync(input).size, layout.fileSize);
    assert.ok(layout.fileSize < 10 * 1024 * 1024, `${layout.fileSize} bytes is small`);

    const inHeader = await readHeader(input);
    assert.equal(getString(inHeader, 'general.architecture'), spec.arch);
    assert.equal(getNumber(inHeader, `${spec.arch}.block_count`), spec.nLayer);
    const weightType = { f32: GgmlType.F32, f16: GgmlType.F16, bf16: GgmlType.BF16 }[spec.dtype];
    for (const t of inHeader.tensors) {
      const is1d = t.shape.length === 1;
      const expected = is1d || t.name.includes('ffn_gate_inp') ? GgmlType.F32 : weightType;
      assert.equal(t.type, expected, `${t.name} type`);
    }
    assert.equal(inHeader.tensors.some((t) => t.name === 'output.weight'), !spec.tiedEmbeddings);

    assert.equal(oracleQuantizeFile(input, output, { ftype: LLAMA_FTYPE_MOSTLY_Q8_0 }), 0, 'llama.cpp accepted the file');
    const outHeader = await readHeader(output);
    assert.equal(outHeader.tensors.length, inHeader.tensors.length);
    assertWriterReproduces(output, outHeader);
    const q8 = outHeader.tensors.filter((t) => t.type === GgmlType.Q8_0);
    assert.ok(q8.length >= spec.nLayer * 4, `${q8.length} tensors became Q8_0`);
    rmSync(output);
  });
}

test('llama-ff704 makes llama.cpp fall back from k-quants on ffn_down (Q4_K_M)', async () => {
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-ff704-f16')!;
  const input = join(dir, 'ff704.gguf'), output = join(dir, 'ff704-Q4_K_M.gguf');
  writeSyntheticModel(input, spec);
  assert.equal(oracleQuantizeFile(input, output, { ftype: 15 }), 0);
  const header = await readHeader(output);
  const down = header.tensors.filter((t) => t.name.endsWith('ffn_down.weight'));
  assert.equal(down.length, spec.nLayer);
  for (const t of down) assert.ok([GgmlType.Q5_0, GgmlType.Q8_0].includes(t.type as 6 | 8), `${t.name} is type ${t.type}`);
  assert.ok(header.tensors.some((t) => t.type === GgmlType.Q4_K));
  assertWriterReproduces(output, header);
});

test('the MoE model has 3-D expert tensors and an F32 router', async () => {
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.nExpert)!;
  const input = join(dir, 'moe.gguf');
  writeSyntheticModel(input, spec);
  const header = await readHeader(input);
  const exps = header.tensors.find((t) => t.name === 'blk.0.ffn_down_exps.weight')!;
  assert.deepEqual(exps.shape, [spec.nFf, spec.nEmbd, spec.nExpert]);
  assert.equal(header.tensors.find((t) => t.name === 'blk.0.ffn_gate_inp.weight')!.type, GgmlType.F32);
  assert.equal(getNumber(header, 'llama.expert_count'), 4);
  assert.equal(getNumber(header, 'llama.expert_used_count'), 2);
});

test('the same spec gives the same bytes; another seed gives other weights', () => {
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-ff704-f16')!;
  const a = join(dir, 'det-a.gguf'), b = join(dir, 'det-b.gguf'), c = join(dir, 'det-c.gguf');
  writeSyntheticModel(a, spec);
  writeSyntheticModel(b, spec);
  writeSyntheticModel(c, { ...spec, seed: spec.seed + 100 });
  assert.ok(readFileSync(a).equals(readFileSync(b)));
  assert.ok(!readFileSync(a).equals(readFileSync(c)));
});

test('the generator converts F32 to F16 and BF16 exactly as ggml does', () => {
  const values = new Float32Array(4096);
  for (let i = 0; i < values.length; i++) values[i] = (Math.sin(i * 12.9898) * 43758.5453 % 1) * 10 ** ((i % 14) - 9);
  values.set([0, -0, 65504, 65520, 1e-8, -6.1e-5, 5.96e-8, 2.98e-8, Infinity, -Infinity, 1e10], 0);
  assert.deepEqual(Array.from(values, f32ToF16Bits), Array.from(oracleFp32ToFp16(values)));
  assert.deepEqual(Array.from(values, f32ToBf16Bits), Array.from(oracleFp32ToBf16(values)));
});
