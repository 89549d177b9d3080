// --prune-layers gives the same bytes as llama_model_quantize given the same (sorted) prune list: blocks
// dropped, later ones renumbered, block_count rewritten, the mixture's layer rules seeing the new names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFtype } from '../../web/src/core/quant/ftypes.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const dir = scratchDir();
oracleQuietLogs();
const eight = join(dir, 'llama-8l.gguf');
const moe = join(dir, 'moe.gguf');
writeSyntheticModel(eight, STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-gqa-8l-f16')!);
writeSyntheticModel(moe, STANDARD_SYNTHETIC_SPECS.find((s) => s.nExpert)!);
let n = 0;

async function sameAsLlama(input: string, ftype: string, pruneLayers: number[]) {
  const id = n++;
  const ours = join(dir, `ours-${id}.gguf`);
  const theirs = join(dir, `llama-${id}.gguf`);
  await quantizeWithEngine(input, [{ options: { ftype, pruneLayers }, path: ours }]);
  assert.equal(oracleQuantizeFile(input, theirs, { ftype: parseFtype(ftype).id, pruneLayers }), 0, 'llama.cpp refused');
  assert.ok(readFileSync(ours).equals(readFileSync(theirs)), `differs from llama.cpp for ${ftype} pruning ${pruneLayers}`);
  return ours;
}

async function header(path: string) {
  const src = await openNodeFile(path);
  try {
    return await readGgufHeader(src);
  } finally {
    await src.close?.();
  }
}

test('pruning middle, first and last blocks of an 8-layer model: same bytes as llama.cpp', async () => {
  const out = await sameAsLlama(eight, 'Q4_K_M', [2, 5]);
  const h = await header(out);
  assert.equal(h.metadata.find((kv) => kv.key === 'llama.block_count')?.value, 6);
  assert.equal(h.metadata.at(-1)?.key, 'llama.block_count', 'set last, as gguf_set_val_u32 appends');
  const blocks = new Set(h.tensors.map((t) => /^blk\.(\d+)\./.exec(t.name)?.[1]).filter((b) => b !== undefined));
  assert.deepEqual([...blocks].map(Number).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  await sameAsLlama(eight, 'Q3_K_M', [0]);
  await sameAsLlama(eight, 'Q5_K_M', [7]);
});

test('pruning a layer past the last and an MoE block', async () => {
  await sameAsLlama(eight, 'Q8_0', [3, 40]);
  await sameAsLlama(moe, 'Q4_K_S', [1]);
});
