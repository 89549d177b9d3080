// --prune-layers with an importance matrix: llama.cpp looks each kept tensor's weights up under its source
// name (remap_imatrix in src/llama-quant.cpp: blk.1 of the output, once blk.2, gets blk.2's entry). The
// shared model and llama-imatrix's file, pruned, must give the same bytes as llama_model_quantize with the
// same imatrix array and prune list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';
import { toOracleOptions } from './plan-support.ts';

const dir = scratchDir('quantsmith-prune-imatrix-');
oracleQuietLogs();

test('the shared model pruned of blocks 0 and 3 (Q4_K_M) or 1 (IQ3_XXS) with its imatrix: the bytes llama.cpp writes', async () => {
  const src = await openNodeFile(SHARED_IMATRIX_GGUF);
  const imatrix = await readImatrix(src).finally(() => src.close());
  const cases: { ftype: string; pruneLayers: number[] }[] = [
    { ftype: 'Q4_K_M', pruneLayers: [0, 3] },
    { ftype: 'IQ3_XXS', pruneLayers: [1] },
  ];
  const outputs = cases.map((c, i) => ({
    options: { ftype: c.ftype, pruneLayers: c.pruneLayers, imatrix, imatrixFile: 'pydoc-llama-5m.imatrix.gguf' } satisfies QuantizeOptions,
    path: join(dir, `ours-${i}.gguf`),
  }));
  await quantizeWithEngine(SHARED_F16_GGUF, outputs);
  outputs.forEach((o, i) => {
    const theirs = join(dir, `llama-${i}.gguf`);
    const status = oracleQuantizeFile(SHARED_F16_GGUF, theirs, { ...toOracleOptions(o.options), pruneLayers: cases[i].pruneLayers });
    assert.equal(status, 0, `llama.cpp refused ${cases[i].ftype}`);
    const a = readFileSync(o.path);
    const b = readFileSync(theirs);
    let at = 0;
    while (at < Math.min(a.length, b.length) && a[at] === b[at]) at++;
    assert.ok(a.equals(b), `${cases[i].ftype} pruning ${cases[i].pruneLayers}: ${a.length === b.length ? `first difference at byte ${at}` : `sizes ${a.length} vs ${b.length}`}`);
  });
});
