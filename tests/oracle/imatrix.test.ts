// Quantizing with an importance matrix, against llama.cpp: llama_model_quantize gets the weights as the
// llama_model_imatrix_data array (and the quantize.imatrix.* overrides) that the llama-quantize program
// builds (llama-quantize-tool.ts); Quantsmith's whole files must equal its files byte for byte. The shared
// imatrix in both formats, synthetic ones (an MoE whose experts have uneven and zero counts, rows that are
// not multiples of 256), every ftype's plan, and the refusals. Each model's ftypes go through ONE job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportanceMatrix } from '../../web/src/core/imatrix/imatrix.ts';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { planQuantization } from '../../web/src/core/quant/plan.ts';
import { computeGgufLayout } from '../../web/src/core/formats/gguf/writer.ts';
import type { GgufHeader } from '../../web/src/core/formats/gguf/model.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { syntheticTensors, writeSyntheticModel, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { encodeImatrixGguf, syntheticEntry } from '../fixtures/imatrix-file.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile } from './llama-cpp.ts';
import { assertBothRefuse, assertSameDecision, readHeader, toOracleOptions } from './plan-support.ts';

const dir = scratchDir('quantsmith-imatrix-');

async function loadImatrix(path: string): Promise<ImportanceMatrix> {
  const src = await openNodeFile(path);
  try {
    return await readImatrix(src);
  } finally {
    await src.close();
  }
}

/** The ftypes whose plan Quantsmith can write for this model and imatrix today. */
function writable(header: GgufHeader, base: Omit<QuantizeOptions, 'ftype'>, names: readonly string[] = FTYPES.map((f) => f.name)): string[] {
  return names.filter((name) => {
    try {
      return planQuantization(header, { ...base, ftype: name }).missingKernel === undefined;
    } catch {
      return false;
    }
  });
}

/** One engine job for all `ftypes`, then llama.cpp for each: the files must be equal. */
async function assertFilesEqual(input: string, base: Omit<QuantizeOptions, 'ftype'>, ftypes: readonly string[], label: string) {
  assert.ok(ftypes.length > 0, `${label}: nothing to compare`);
  const outputs = ftypes.map((ftype) => ({ options: { ...base, ftype }, path: join(dir, `${label}-${ftype}.ours.gguf`) }));
  await quantizeWithEngine(input, outputs);
  for (const o of outputs) {
    const theirs = join(dir, `${label}-${o.options.ftype}.llama.gguf`);
    assert.equal(oracleQuantizeFile(input, theirs, toOracleOptions(o.options)), 0, `llama.cpp refused ${label} ${o.options.ftype}`);
    const a = readFileSync(o.path);
    const b = readFileSync(theirs);
    let at = 0;
    while (at < Math.min(a.length, b.length) && a[at] === b[at]) at++;
    assert.ok(a.equals(b), `${label} ${o.options.ftype}: ${a.length === b.length ? `first difference at byte ${at}` : `sizes ${a.length} vs ${b.length}`}`);
  }
}

// ---- the shared model and llama-imatrix's files ------------------------------------------------------------

/** the imatrix path as it was given to llama-quantize for the README's figures (the size depends on it) */
const README_IMATRIX_NAME = '/work/shared/models/pydoc-llama-5m/pydoc-llama-5m.imatrix.gguf';

test("the shared model with its imatrix: every size in the model README (llama-quantize's own files)", async () => {
  const header = await readHeader(SHARED_F16_GGUF);
  const imatrix = await loadImatrix(SHARED_IMATRIX_GGUF);
  const readme: Record<string, number> = {
    Q4_K_M: 3439936, IQ4_XS: 3190592, Q3_K_M: 2929472, IQ3_M: 2816832, IQ3_XXS: 2465600, Q2_K: 2458432, Q2_K_S: 2338624,
    IQ2_M: 2324288, IQ2_XS: 2081600, IQ2_XXS: 1987392, IQ1_M: 1879872, IQ1_S: 1815360,
  };
  for (const [ftype, size] of Object.entries(readme)) {
    const plan = planQuantization(header, { ftype, imatrixFile: README_IMATRIX_NAME, imatrix });
    const layout = computeGgufLayout({ metadata: plan.metadata, tensors: plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.outputType })) });
    assert.equal(layout.fileSize, size, ftype);
    assert.equal(plan.imatrixEntries, 28);
  }
});

test('the shared model with the GGUF imatrix: whole files equal llama.cpp, and every ftype plans as it does', async (t) => {
  const header = await readHeader(SHARED_F16_GGUF);
  const base = { imatrixFile: 'pydoc-llama-5m.imatrix.gguf', imatrix: await loadImatrix(SHARED_IMATRIX_GGUF) };
  const chosen = ['Q4_K_M', 'Q2_K_S', 'IQ4_XS', 'Q4_0', 'Q3_K_S', 'Q5_K_M', 'Q6_K', 'Q8_0', 'F16', 'IQ2_XXS', 'IQ3_XXS', 'TQ1_0', 'MXFP4_MOE'];
  await t.test('whole files', () => assertFilesEqual(SHARED_F16_GGUF, base, writable(header, base, chosen), 'pydoc-gguf'));
  // the low-bit types' llama.cpp runs are the slow ones: their plans are checked on the small model below
  await t.test('Q2_K_S plan with the imatrix', async () => {
    assert.ok(await assertSameDecision(SHARED_F16_GGUF, header, { ...base, ftype: 'Q2_K_S' }, dir, 'pydoc-plan-Q2_K_S'));
  });
});

test('the shared model with the legacy .dat imatrix, filtered: whole files equal llama.cpp', async () => {
  const header = await readHeader(SHARED_F16_GGUF);
  const imatrix = await loadImatrix(SHARED_IMATRIX_DAT);
  const base = { imatrixFile: 'pydoc-llama-5m.imatrix.dat', imatrix };
  await assertFilesEqual(SHARED_F16_GGUF, base, writable(header, base, ['Q4_K_M', 'IQ4_NL', 'Q5_0']), 'pydoc-dat');
  const excluded = { ...base, excludeWeights: ['ffn_down', 'attn_v'] };
  await assertFilesEqual(SHARED_F16_GGUF, excluded, writable(header, excluded, ['Q4_0']), 'pydoc-dat-exclude');
  const included = { ...base, includeWeights: ['blk.1.'] };
  await assertFilesEqual(SHARED_F16_GGUF, included, writable(header, included, ['Q3_K_M']), 'pydoc-dat-include');
});

// ---- synthetic models and imatrices ----------------------------------------------------------------------

/** An imatrix for every matrix of the model the way llama-imatrix sees them (not token_embd nor output). */
function syntheticImatrix(spec: SyntheticModelSpec, expertCounts: (layer: number) => number[], seed: number): ImportanceMatrix {
  const entries = syntheticTensors(spec)
    .filter((t) => t.shape.length >= 2 && t.name !== 'token_embd.weight' && t.name !== 'output.weight' && !t.name.includes('ffn_gate_inp'))
    .map((t, i) => {
      const layer = Number(/^blk\.(\d+)\./.exec(t.name)?.[1] ?? 0);
      const counts = t.shape.length === 3 ? expertCounts(layer) : [64];
      return syntheticEntry(t.name, t.shape[0], counts, seed + i);
    });
  return { format: 'gguf', datasets: ['synthetic.txt'], chunkCount: 3, chunkSize: 64, entries };
}

/** Written as a GGUF imatrix file and read back, so the reader is part of the path. */
async function throughFile(m: ImportanceMatrix, name: string): Promise<ImportanceMatrix> {
  const path = join(dir, name);
  writeFileSync(path, encodeImatrixGguf(m));
  return loadImatrix(path);
}

const DENSE: SyntheticModelSpec = { id: 'imx-dense', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 256, seed: 31 };
const MOE: SyntheticModelSpec = {
  id: 'imx-moe', arch: 'llama', dtype: 'f16', nLayer: 2, nEmbd: 320, nHead: 4, nHeadKv: 2, nFf: 96, nVocab: 256, nExpert: 4, nExpertUsed: 2, seed: 32,
};

test('a dense model and a synthetic imatrix: every ftype plans as llama.cpp decides, writable ones byte for byte', async (t) => {
  const input = join(dir, 'imx-dense.gguf');
  writeSyntheticModel(input, DENSE);
  const header = await readHeader(input);
  const base = { imatrixFile: 'dense.imatrix', imatrix: await throughFile(syntheticImatrix(DENSE, () => [64], 100), 'dense.imatrix') };
  // (IQ1_S/IQ1_M: llama.cpp's IQ1 grid takes half a minute to build; their plans are checked by the README sizes)
  for (const f of FTYPES.filter((x) => x.name !== 'IQ1_S' && x.name !== 'IQ1_M')) {
    await t.test(`${f.name} plan`, async () => {
      assert.ok(await assertSameDecision(input, header, { ...base, ftype: f.name }, dir, `dense-${f.name}`), `${f.name} refused`);
    });
  }
  await t.test('whole files', () => assertFilesEqual(input, base, writable(header, base), 'dense'));
});

test('an MoE model whose experts have uneven and zero counts, rows of 320 and 96: each expert gets its own weights', async (t) => {
  const input = join(dir, 'imx-moe.gguf');
  writeSyntheticModel(input, MOE);
  const header = await readHeader(input);
  // layer 0: one expert never chosen; layer 1: very uneven
  const imatrix = await throughFile(syntheticImatrix(MOE, (layer) => (layer === 0 ? [37, 0, 5, 120] : [1, 200, 3, 0]), 200), 'moe.imatrix');
  const base = { imatrixFile: 'moe.imatrix', imatrix };
  await t.test('whole files', () => assertFilesEqual(input, base, writable(header, base), 'moe'));
  for (const ftype of ['Q4_K_M', 'IQ2_M', 'IQ3_XS', 'MXFP4_MOE', 'Q2_K_S']) {
    await t.test(`${ftype} plan`, async () => {
      assert.ok(await assertSameDecision(input, header, { ...base, ftype }, dir, `moe-${ftype}`));
    });
  }
});

const DEEP: SyntheticModelSpec = { id: 'imx-deep', arch: 'llama', dtype: 'f32', nLayer: 16, nEmbd: 32, nHead: 4, nHeadKv: 2, nFf: 64, nVocab: 64, seed: 33 };

test('16 layers: the first-eighth ffn_down rules that an imatrix changes (Q4_0/Q5_0 to _1, IQ3_XXS, IQ4_NL)', async (t) => {
  const input = join(dir, 'imx-deep.gguf');
  writeSyntheticModel(input, DEEP);
  const header = await readHeader(input);
  const base = { imatrixFile: 'deep.imatrix', imatrix: syntheticImatrix(DEEP, () => [64], 400) };
  const ftypes = ['Q4_0', 'Q5_0', 'IQ4_NL', 'IQ4_XS', 'IQ3_XXS'];
  for (const ftype of ftypes) {
    await t.test(`${ftype} plan`, async () => {
      assert.ok(await assertSameDecision(input, header, { ...base, ftype }, dir, `deep-${ftype}`));
    });
  }
  const q4 = planQuantization(header, { ...base, ftype: 'Q4_0' });
  assert.deepEqual(q4.tensors.filter((x) => x.name.includes('ffn_down') && x.outputType === 3).map((x) => x.name), ['blk.0.ffn_down.weight', 'blk.1.ffn_down.weight']);
  await t.test('whole files', () => assertFilesEqual(input, base, writable(header, base, ftypes), 'deep'));
});

test('refusals, as llama.cpp refuses: wrong length, a missing entry a low-bit type needs, non-finite weights', async () => {
  const input = join(dir, 'imx-dense-refusals.gguf');
  writeSyntheticModel(input, DENSE);
  const header = await readHeader(input);
  const good = syntheticImatrix(DENSE, () => [64], 300);
  const withEntries = (entries: ImportanceMatrix['entries']): QuantizeOptions['imatrix'] => ({ ...good, entries });

  // attn_q's entry is 128 long, its rows are 256 (llama-quantize passes the array unchecked)
  const short = withEntries(good.entries.map((e) => (e.name === 'blk.1.attn_q.weight' ? { ...e, sums: e.sums.subarray(0, 128) } : e)));
  assertBothRefuse(input, header, { ftype: 'Q4_K_M', imatrixFile: 'x', imatrix: short }, dir, 'short-entry',
    /imatrix size 128 is different from tensor size 256 for blk\.1\.attn_q\.weight/);

  // no entry for ffn_down: IQ2_XXS cannot do without one
  const noFfnDown = withEntries(good.entries.filter((e) => !e.name.includes('ffn_down')));
  assertBothRefuse(input, header, { ftype: 'IQ2_XXS', imatrixFile: 'x', imatrix: noFfnDown }, dir, 'missing-entry',
    /Missing importance matrix for tensor blk\.0\.ffn_down\.weight in a very low-bit quantization/);

  // infinite weights (a legacy entry with ncall 0 keeps its sums as they are)
  const inf = { ...good, format: 'dat' as const, entries: good.entries.map((e, i) => (i === 2 ? { ...e, sums: e.sums.map((v, k) => (k === 0 ? Infinity : v)), counts: Float32Array.of(0) } : e)) };
  assertBothRefuse(input, header, { ftype: 'Q4_0', imatrixFile: 'x', imatrix: inf }, dir, 'non-finite', /imatrix contains non-finite value Infinity/);

  // what llama.cpp does not check but Quantsmith refuses: an entry for a tensor the model lacks
  const foreign = withEntries([...good.entries, syntheticEntry('blk.9.attn_q.weight', 256, [8], 1)]);
  assert.throws(() => planQuantization(header, { ftype: 'Q4_0', imatrixFile: 'x', imatrix: foreign }),
    /the importance matrix has an entry for blk\.9\.attn_q\.weight, which this model does not have/);
});
