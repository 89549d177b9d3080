// The job: source → plan → worker pool → sinks. Headers first (every size and offset is known from the
// plans), then each tensor in output order, slab by slab; one read of the source feeds every output that
// lists the tensors in the same order (all quantizer outputs do; a plain conversion keeps the source order
// and gets its own pass). Slabs are converted in parallel by the pool and written strictly in order,
// with a bounded number in flight, so memory stays bounded whatever the model size.
import { CancelledError, QuantsmithError } from '../errors.ts';
import type { JobHooks, JobResult, OutputRequest } from './api.ts';
import type { ModelSource, SourceTensor } from './model-source.ts';
import type { KernelPool } from './pool.ts';
import { planOutput, shardHeaderAt, type PlannedLayout } from './plan-outputs.ts';
import type { PlannedTensor } from '../quant/plan.ts';
import { slabsOf, DEFAULT_SLAB_BYTES } from './chunking.ts';
import { ProgressMeter } from './progress.ts';
import { DEFAULT_QUEUED_BYTES, DEFAULT_WRITE_BYTES, WriteQueue } from './write-queue.ts';
import { tensorRows } from './model-source.ts';
import type { SourceRange } from '../byte-source.ts';

export interface RunOptions extends JobHooks {
  /** source bytes per slab sent to a worker */
  slabBytes?: number;
}

interface SlabWork {
  /** tensor number across the whole job, for progress */
  readonly tensorNumber: number;
  readonly tensorName: string;
  readonly byteLength: number;
  /** bytes per output of the pass, in the pass's output order */
  readonly result: Promise<Uint8Array[]>;
  /** last slab of its tensor: padding follows */
  readonly last: boolean;
  /** first slab of the pass's tensor at this index: a shard's header may come first */
  readonly firstOf?: number;
}

/** Outputs that list the same tensors in the same order, fed by one read of the source. */
interface Pass {
  readonly outputs: readonly number[];
  readonly order: readonly string[];
}

export async function runJob(
  source: ModelSource,
  outputs: readonly OutputRequest[],
  pool: KernelPool,
  options: RunOptions = {},
): Promise<JobResult> {
  if (outputs.length === 0) throw new QuantsmithError('nothing to do: no output was requested');
  const { signal, onProgress, slabBytes = DEFAULT_SLAB_BYTES } = options;
  const sinks = outputs.map((o) => o.sink);
  // the queued-bytes bound is for the whole job, shared by its outputs
  const queues = sinks.map((sink) => new WriteQueue(sink, DEFAULT_QUEUED_BYTES / sinks.length, DEFAULT_WRITE_BYTES));
  const written = outputs.map(() => 0);
  const inFlight: SlabWork[] = [];
  const onAbort = () => pool.cancel();
  signal?.addEventListener('abort', onAbort);
  try {
    // a refused plan aborts the sinks like any other failure: no output is left behind
    const planned = outputs.map((o) => planOutput(source, o.options));
    for (const p of planned) {
      const refusal = p.plan.missingKernel ?? p.plan.imatrixRequired;
      if (refusal) throw new QuantsmithError(refusal);
    }
    const passes = groupByOrder(planned);
    const byName = new Map(source.tensors.map((t) => [t.name, t]));
    const outputTensors = planned.map((p) => new Map(p.plan.tensors.map((t) => [t.sourceName, t])));
    const tensorCount = passes.reduce((n, p) => n + p.order.length, 0);
    const bytesTotal = passes.reduce((sum, p) => sum + p.order.reduce((s, name) => s + byName.get(name)!.byteLength, 0), 0);
    const meter = new ProgressMeter(bytesTotal, onProgress);
    let bytesDone = 0;
    let tensorNumber = 0;
    const window = pool.size * 2;
    const report = (work: { tensorNumber: number; tensorName: string }, force: boolean) =>
      meter.update({ tensorIndex: work.tensorNumber, tensorCount, tensorName: work.tensorName, bytesDone, outputBytes: [...written] }, force);

    throwIfAborted(signal);
    for (const pass of passes) {
      const writeHeaders = (tensorIndex: number) => Promise.all(pass.outputs.map(async (k) => {
        const header = shardHeaderAt(planned[k], tensorIndex);
        if (header) await write(k, header);
      }));
      // an output with no tensors still has its header
      if (pass.order.length === 0) await writeHeaders(0);
      const drainOne = async () => {
        const work = inFlight.shift()!;
        const pieces = await work.result;
        throwIfAborted(signal);
        if (work.firstOf !== undefined) await writeHeaders(work.firstOf);
        await Promise.all(pieces.map((piece, i) => write(pass.outputs[i], piece)));
        bytesDone += work.byteLength;
        if (work.last) await Promise.all(pass.outputs.map((k) => write(k, zeros(padding(written[k], planned[k].alignment)))));
        report(work, work.last);
      };
      for (const [tensorIndex, name] of pass.order.entries()) {
        const tensor = byName.get(name)!;
        const outs = pass.outputs.map((k) => outputTensors[k].get(name)!);
        const rows = tensorRows(tensor.shape);
        const slabs = slabsOf(rows, tensor.byteLength / rows, slabBytes, tensor.shape[1] ?? 1);
        // the workers read the rows themselves when one task per slab serves every output
        const workerReads = tensor.locateRows !== undefined && convertGroups(tensor, outs).size === 1 && outs.every((o) => o.outputType !== tensor.type);
        for (let si = 0; si < slabs.length; si++) {
          throwIfAborted(signal);
          const { firstRow, rowCount } = slabs[si];
          let input: Uint8Array | SourceRange;
          if (workerReads) {
            input = tensor.locateRows!(firstRow, rowCount);
          } else {
            input = await tensor.readRows(firstRow, rowCount);
            throwIfAborted(signal);
          }
          const result = convertSlab(pool, tensor, input, firstRow, rowCount, outs);
          result.catch(() => {}); // awaited, in order, by drainOne
          inFlight.push({
            tensorNumber, tensorName: name, byteLength: ArrayBuffer.isView(input) ? input.byteLength : input.length, result, last: si === slabs.length - 1,
            firstOf: si === 0 ? tensorIndex : undefined,
          });
          while (inFlight.length >= window) await drainOne();
        }
        tensorNumber++;
      }
      while (inFlight.length > 0) await drainOne();
    }

    planned.forEach((p, k) => {
      if (written[k] !== p.size) throw new Error(`internal error: wrote ${written[k]} bytes of output ${k + 1}, planned ${p.size}`);
    });
    await Promise.all(queues.map((q) => q.drain()));
    throwIfAborted(signal);
    await Promise.all(sinks.map((s) => s.commit()));
    return {
      outputs: planned.map((p) => ({ plan: p.plan, size: p.size })),
      seconds: meter.elapsedSeconds(),
      sourceBytes: bytesTotal,
    };
  } catch (err) {
    // stop the slabs still being converted for this job; they would only be thrown away
    if (inFlight.length > 0) pool.cancel();
    await Promise.allSettled(queues.map((q) => q.drain()));
    await Promise.allSettled(sinks.map((s) => s.abort()));
    if (signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  async function write(k: number, data: Uint8Array) {
    written[k] += data.byteLength;
    await queues[k].write(data);
  }
}

/** The output types to convert a tensor's rows to, one list per distinct set of importance weights. */
function convertGroups(tensor: SourceTensor, outs: readonly PlannedTensor[]): Map<Float32Array | undefined, number[]> {
  const groups = new Map<Float32Array | undefined, number[]>();
  for (const o of outs) {
    if (o.outputType === tensor.type) continue;
    const g = groups.get(o.importance) ?? [];
    if (!g.includes(o.outputType)) g.push(o.outputType);
    groups.set(o.importance, g);
  }
  return groups;
}

/**
 * Converts one slab for every output. Outputs whose type is the source's get the bytes as they are (llama.cpp
 * copies them); the others go to the pool, one task per distinct set of importance weights. `input` is the
 * rows' bytes, or (when one task serves every output) where the worker reads them itself.
 */
async function convertSlab(
  pool: KernelPool,
  tensor: SourceTensor,
  input: Uint8Array | SourceRange,
  firstRow: number,
  rowCount: number,
  outs: readonly PlannedTensor[],
): Promise<Uint8Array[]> {
  const nPerRow = tensor.shape[0];
  const groups = convertGroups(tensor, outs);
  if (!ArrayBuffer.isView(input)) {
    const [[importance, dstTypes]] = groups;
    const expert = expertOf(tensor, firstRow);
    const weights = importance?.subarray(expert * nPerRow, (expert + 1) * nPerRow);
    const result = await pool.convert({ srcType: tensor.type, src: input, nRows: rowCount, nPerRow, dstTypes, ...(weights ? { importance: weights.slice() } : {}) });
    return outs.map((o) => result[dstTypes.indexOf(o.outputType)]);
  }
  const bytes = input;
  if (groups.size === 0) return outs.map(() => bytes);
  // the worker takes ownership of the buffer it gets; keep the original when anything else needs it
  const keep = groups.size > 1 || outs.some((o) => o.outputType === tensor.type) || bytes.byteOffset !== 0 ||
    bytes.byteLength !== bytes.buffer.byteLength;
  const expert = expertOf(tensor, firstRow);
  const converted = await Promise.all([...groups].map(async ([importance, dstTypes]) => {
    const weights = importance?.subarray(expert * nPerRow, (expert + 1) * nPerRow);
    const src = keep ? bytes.slice() : bytes;
    const result = await pool.convert({ srcType: tensor.type, src, nRows: rowCount, nPerRow, dstTypes, ...(weights ? { importance: weights.slice() } : {}) });
    return { importance, dstTypes, result };
  }));
  return outs.map((o) => {
    if (o.outputType === tensor.type) return bytes;
    const c = converted.find((x) => x.importance === o.importance)!;
    return c.result[c.dstTypes.indexOf(o.outputType)];
  });
}

/** The expert a row of a 3-D tensor belongs to (0 for a 2-D one). */
function expertOf(tensor: SourceTensor, row: number): number {
  return Math.floor(row / Math.max(1, tensor.shape[1] ?? 1));
}

/** Outputs grouped by their tensor order, first appearance first. */
function groupByOrder(planned: readonly PlannedLayout[]): Pass[] {
  const passes: { outputs: number[]; order: string[] }[] = [];
  planned.forEach((p, k) => {
    // by source name: outputs that read the same tensors in the same order share a pass
    const order = p.plan.tensors.map((t) => t.sourceName);
    const same = passes.find((x) => x.order.length === order.length && x.order.every((n, i) => n === order[i]));
    if (same) same.outputs.push(k);
    else passes.push({ outputs: [k], order });
  });
  return passes;
}

function padding(n: number, alignment: number): number {
  return (alignment - (n % alignment)) % alignment;
}

const zeroBlock = new Uint8Array(256);
function zeros(n: number): Uint8Array {
  return n <= zeroBlock.length ? zeroBlock.subarray(0, n) : new Uint8Array(n);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
