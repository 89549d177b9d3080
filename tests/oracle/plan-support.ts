// Shared by the plan oracle tests: run llama.cpp's quantizer with the same options as a QuantizeOptions,
// then check that the file it wrote has exactly the header our plan (encoded by our writer) describes.
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { computeGgufLayout, encodeGgufHeader } from '../../web/src/core/formats/gguf/writer.ts';
import type { GgufHeader } from '../../web/src/core/formats/gguf/model.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { parseFtype } from '../../web/src/core/quant/ftypes.ts';
import { ggmlType, ggmlTypeByName } from '../../web/src/core/quant/ggml-types.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { planQuantization, type QuantPlan } from '../../web/src/core/quant/plan.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { test } from 'node:test';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { writeSyntheticModel, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { oracleQuantizeFile, oracleQuietLogs, type OracleQuantizeOptions } from './llama-cpp.ts';
import { toolImatrix } from './llama-quantize-tool.ts';

// the quantizer's per-tensor log lines would bury the test report
oracleQuietLogs();

const typeId = (name: string): number => {
  const t = ggmlTypeByName(name);
  if (!t) throw new Error(`test bug: unknown ggml type ${name}`);
  return t.id;
};

/** The same request, in llama_model_quantize_params form. */
export function toOracleOptions(o: QuantizeOptions): OracleQuantizeOptions {
  const ftype = parseFtype(o.ftype);
  const tool = o.imatrix ? toolImatrix(o.imatrix, o.imatrixFile ?? '', o.includeWeights, o.excludeWeights) : undefined;
  const userKvs = o.kvOverrides?.map((k) => ({ key: k.key, value: { type: k.type, value: k.value } as never })) ?? [];
  return {
    ftype: ftype.id,
    onlyCopy: ftype.onlyCopy,
    nthread: 2,
    outputTensorType: o.outputTensorType === undefined ? undefined : typeId(o.outputTensorType),
    tokenEmbeddingType: o.tokenEmbeddingType === undefined ? undefined : typeId(o.tokenEmbeddingType),
    allowRequantize: o.allowRequantize ?? false,
    quantizeOutputTensor: !(o.leaveOutputTensor ?? false),
    pure: o.pure ?? false,
    tensorTypes: o.tensorTypes?.map((t) => ({ pattern: t.pattern, type: typeId(t.type) })),
    kvOverrides: [...userKvs, ...(tool?.kvOverrides ?? [])],
    imatrix: tool?.data,
  };
}

export async function readHeader(path: string): Promise<GgufHeader> {
  const src = await openNodeFile(path);
  try {
    return await readGgufHeader(src);
  } finally {
    await src.close();
  }
}

function readPrefix(path: string, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const out = new Uint8Array(length);
    const n = readSync(fd, out, 0, length, 0);
    assert.equal(n, length, `${path} is shorter than its header`);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The plan's tensors in a form that reads well in an assertion diff. */
export const typeTable = (tensors: readonly { name: string; shape: readonly number[]; type: number }[]): string[] =>
  tensors.map((t) => `${t.name} [${t.shape.join(',')}] ${ggmlType(t.type)?.name ?? t.type}`);

/**
 * Quantizes `input` with llama.cpp into `dir`, plans the same request, and checks: tensor names, order,
 * shapes and types, the metadata (keys, types, values, order), and that the header our writer encodes
 * from the plan is byte-identical to everything before the data section of llama.cpp's file.
 */
export async function assertPlanMatchesOracle(
  input: string, inputHeader: GgufHeader, options: QuantizeOptions, dir: string, label: string,
): Promise<QuantPlan> {
  const out = join(dir, `${label.replace(/[^\w.-]+/g, '_')}.oracle-out.gguf`);
  const status = oracleQuantizeFile(input, out, toOracleOptions(options));
  assert.equal(status, 0, `llama.cpp refused ${label}`);
  try {
    return await assertPlanMatchesFile(out, inputHeader, options, label);
  } finally {
    rmSync(out, { force: true });
  }
}

/** The header our plan describes equals the one of `out`, the file llama.cpp wrote for the same request. */
async function assertPlanMatchesFile(out: string, inputHeader: GgufHeader, options: QuantizeOptions, label: string): Promise<QuantPlan> {
  const plan = planQuantization(inputHeader, options);
  const oracle = await readHeader(out);
  assert.deepEqual(
    typeTable(plan.tensors.map((t) => ({ ...t, type: t.outputType }))),
    typeTable(oracle.tensors),
    `${label}: tensors`,
  );
  assert.deepEqual(plan.metadata, oracle.metadata, `${label}: metadata`);
  const layout = computeGgufLayout({
    version: plan.version,
    metadata: plan.metadata,
    tensors: plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.outputType })),
    alignment: plan.alignment,
  });
  assert.deepEqual(plan.tensors.map((t) => t.offset), oracle.tensors.map((t) => t.offset), `${label}: offsets`);
  assert.equal(layout.dataOffset, oracle.dataOffset, `${label}: data offset`);
  const ours = encodeGgufHeader(layout);
  const theirs = readPrefix(out, oracle.dataOffset);
  assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), `${label}: header bytes differ`);
  return plan;
}

/** llama.cpp refuses the request (its status is not 0), and so does our plan. */
export function assertBothRefuse(input: string, inputHeader: GgufHeader, options: QuantizeOptions, dir: string, label: string, message: RegExp): void {
  const out = join(dir, `${label.replace(/[^\w.-]+/g, '_')}-refused.gguf`);
  try {
    assert.notEqual(oracleQuantizeFile(input, out, toOracleOptions(options)), 0, `llama.cpp accepted ${label}`);
  } finally {
    rmSync(out, { force: true });
  }
  assert.throws(() => planQuantization(inputHeader, options), message, `${label}: plan`);
}

/**
 * Whatever llama.cpp decides, the plan decides the same: when llama.cpp writes a file, the plan matches its
 * header; when it refuses, the plan refuses too. Returns whether llama.cpp accepted.
 */
export async function assertSameDecision(input: string, inputHeader: GgufHeader, options: QuantizeOptions, dir: string, label: string): Promise<boolean> {
  const out = join(dir, `${label.replace(/[^\w.-]+/g, '_')}-probe.gguf`);
  try {
    const status = oracleQuantizeFile(input, out, toOracleOptions(options));
    if (status !== 0) {
      assert.throws(() => planQuantization(inputHeader, options), QuantsmithError, `${label}: llama.cpp refused, the plan did not`);
      return false;
    }
    await assertPlanMatchesFile(out, inputHeader, options, label);
    return true;
  } finally {
    rmSync(out, { force: true });
  }
}

/** One test per spec: every ftype's plan equals llama.cpp's output header (or both refuse). */
/**
 * llama.cpp's IQ3_S search is the slowest part of these comparisons, and the IQ3_S/IQ3_M rules depend only on
 * GQA, experts and Falcon: specs that add nothing there may leave them out.
 */
export const SLOW_IQ3_FTYPES: readonly string[] = ['IQ3_S', 'IQ3_M'];

export function testEveryFtype(
  spec: SyntheticModelSpec, dir: string, title = `${spec.id}: every ftype's plan matches llama.cpp's file header`, skip: readonly string[] = [],
): void {
  test(title, async (t) => {
    const input = join(dir, `${spec.id}.gguf`);
    writeSyntheticModel(input, spec);
    const header = await readHeader(input);
    for (const ftype of FTYPES.filter((f) => !skip.includes(f.name))) {
      await t.test(ftype.name, async () => {
        const label = `${spec.id}-${ftype.name}`;
        // refusals too: llama.cpp has no smaller-block fallback for some types (q1_0 on rows of 704)
        const accepted = await assertSameDecision(input, header, { ftype: ftype.name }, dir, label);
        if (!ftype.needsImatrix && !accepted) assert.ok(ggmlType(ftype.defaultType)!.blockSize > 32, `${label}: refused`);
      });
    }
  });
}
