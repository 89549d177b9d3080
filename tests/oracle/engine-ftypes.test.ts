// Every ftype, on the trained model and on every synthetic architecture: Quantsmith's output file is
// byte for byte the file llama.cpp's quantizer writes. All ftypes of one model come out of ONE job,
// so this also checks that one read of the source feeds many outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { planQuantization } from '../../web/src/core/quant/plan.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';
import { readHeader } from './plan-support.ts';

const dir = scratchDir();
oracleQuietLogs();
/** The ftypes Quantsmith can write for this model today: no importance matrix needed, every kernel there. */
async function writableFtypes(input: string) {
  const header = await readHeader(input);
  const writable = (name: string): boolean => {
    try {
      return planQuantization(header, { ftype: name }).missingKernel === undefined;
    } catch {
      return false; // refused as llama.cpp refuses it (plan-synthetic.test.ts compares the refusals)
    }
  };
  return FTYPES.filter((f) => !f.needsImatrix && writable(f.name));
}

/** First differing byte, for a message that helps. */
function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `first difference at byte ${i}`;
  return `sizes ${a.length} vs ${b.length}`;
}

async function checkAllFtypes(input: string, label: string) {
  const writable = await writableFtypes(input);
  assert.ok(writable.length >= 20, `only ${writable.length} ftypes writable`);
  const outputs = writable.map((f) => ({ options: { ftype: f.name }, path: join(dir, `${label}-${f.name}.ours.gguf`) }));
  await quantizeWithEngine(input, outputs);
  for (const f of writable) {
    const theirs = join(dir, `${label}-${f.name}.llama.gguf`);
    assert.equal(oracleQuantizeFile(input, theirs, { ftype: f.id, onlyCopy: f.onlyCopy }), 0, `llama.cpp failed on ${label} ${f.name}`);
    const a = readFileSync(join(dir, `${label}-${f.name}.ours.gguf`));
    const b = readFileSync(theirs);
    assert.ok(a.equals(b), `${label} ${f.name}: ${firstDifference(a, b)}`);
  }
}

test('the trained model: every ftype is byte-identical to llama.cpp, and sizes match the model README', async () => {
  await checkAllFtypes(SHARED_F16_GGUF, 'pydoc');
  const readme: Record<string, number> = {
    Q8_0: 5672512, Q6_K: 4402752, Q5_K_M: 3906624, Q5_0: 3845696, Q4_K_M: 3439680,
    Q4_K_S: 3337792, Q4_0: 3321408, IQ4_XS: 3190336, Q3_K_M: 2929216, Q2_K: 2458176, F16: 10587712,
  };
  for (const [name, size] of Object.entries(readme)) {
    assert.equal(readFileSync(join(dir, `pydoc-${name}.ours.gguf`)).length, size, name);
  }
});

for (const spec of STANDARD_SYNTHETIC_SPECS) {
  test(`synthetic ${spec.id}: every ftype is byte-identical to llama.cpp`, async () => {
    const input = join(dir, `${spec.id}.gguf`);
    writeSyntheticModel(input, spec);
    await checkAllFtypes(input, spec.id);
  });
}
