// The job: source → plan → worker pool → sinks. Headers first (every size and offset is known from the
// plans), then each tensor in output order, slab by slab; one read of the source feeds every output.
// Slabs are converted in parallel by the pool and written strictly in order, with a bounded number in flight.
import { CancelledError, QuantsmithError } from '../errors.ts';
import type { ByteSink } from '../../io/byte-source.ts';
import type { JobHooks, JobResult, OutputRequest } from './api.ts';
import type { ModelSource, SourceTensor } from './model-source.ts';
import type { KernelPool } from './pool.ts';
import { planOutput, encodeOutputHeader, type PlannedLayout } from './plan-outputs.ts';
import { slabsOf, DEFAULT_SLAB_BYTES } from './chunking.ts';
import { ProgressMeter } from './progress.ts';
import { tensorRows } from './model-source.ts';

export interface RunOptions extends JobHooks {
  /** source bytes per slab sent to a worker */
  slabBytes?: number;
}

interface SlabWork {
  readonly tensorIndex: number;
  readonly byteLength: number;
  /** bytes per output, in output order */
  readonly result: Promise<Uint8Array[]>;
  /** last slab of its tensor: padding follows */
  readonly last: boolean;
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
  const written = outputs.map(() => 0);
  const inFlight: SlabWork[] = [];
  const onAbort = () => pool.cancel();
  signal?.addEventListener('abort', onAbort);
  try {
    // a refused plan aborts the sinks like any other failure: no output is left behind
    const planned = outputs.map((o) => planOutput(source, o.options));
    const order = sharedTensorOrder(planned);
    const byName = new Map(source.tensors.map((t) => [t.name, t]));
    const bytesTotal = order.reduce((sum, name) => sum + byName.get(name)!.byteLength, 0);
    const meter = new ProgressMeter(bytesTotal, onProgress);
    let bytesDone = 0;
    throwIfAborted(signal);
    const headers = planned.map((p) => encodeOutputHeader(p));
    await Promise.all(sinks.map((sink, k) => write(sink, k, headers[k])));

    const window = pool.size * 2;

    const drainOne = async () => {
      const work = inFlight.shift()!;
      const pieces = await work.result;
      throwIfAborted(signal);
      await Promise.all(pieces.map((piece, k) => write(sinks[k], k, piece)));
      bytesDone += work.byteLength;
      if (work.last) await Promise.all(sinks.map((sink, k) => write(sink, k, zeros(padding(written[k], planned[k].alignment)))));
      report(work.tensorIndex, work.last);
    };

    const report = (tensorIndex: number, force: boolean) =>
      meter.update(
        { tensorIndex, tensorCount: order.length, tensorName: order[tensorIndex], bytesDone, outputBytes: [...written] },
        force,
      );

    for (let ti = 0; ti < order.length; ti++) {
      const tensor = byName.get(order[ti])!;
      const outTypes = planned.map((p) => p.plan.tensors[ti].outputType);
      const rows = tensorRows(tensor.shape);
      const rowBytes = tensor.byteLength / rows;
      const slabs = slabsOf(rows, rowBytes, slabBytes);
      for (let si = 0; si < slabs.length; si++) {
        throwIfAborted(signal);
        const { firstRow, rowCount } = slabs[si];
        const bytes = await tensor.readRows(firstRow, rowCount);
        throwIfAborted(signal);
        const result = convertSlab(pool, tensor, bytes, rowCount, outTypes);
        result.catch(() => {}); // awaited, in order, by drainOne
        inFlight.push({ tensorIndex: ti, byteLength: bytes.byteLength, result, last: si === slabs.length - 1 });
        while (inFlight.length >= window) await drainOne();
      }
    }
    while (inFlight.length > 0) await drainOne();

    planned.forEach((p, k) => {
      if (written[k] !== p.size) throw new Error(`internal error: wrote ${written[k]} bytes of output ${k + 1}, planned ${p.size}`);
    });
    throwIfAborted(signal);
    await Promise.all(sinks.map((s) => s.commit()));
    report(order.length - 1, true);
    return {
      outputs: planned.map((p) => ({ plan: p.plan, size: p.size })),
      seconds: meter.elapsedSeconds(),
      sourceBytes: bytesTotal,
    };
  } catch (err) {
    // stop the slabs still being converted for this job; they would only be thrown away
    if (inFlight.length > 0) pool.cancel();
    await Promise.allSettled(sinks.map((s) => s.abort()));
    if (signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  async function write(sink: ByteSink, k: number, data: Uint8Array) {
    if (data.byteLength === 0) return;
    written[k] += data.byteLength;
    await sink.write(data);
  }
}

/** Converts one slab for every output. Outputs whose type is the source's get the bytes as they are (llama.cpp copies them). */
async function convertSlab(
  pool: KernelPool,
  tensor: SourceTensor,
  bytes: Uint8Array,
  rowCount: number,
  outTypes: readonly number[],
): Promise<Uint8Array[]> {
  const dstTypes = [...new Set(outTypes.filter((t) => t !== tensor.type))];
  if (dstTypes.length === 0) return outTypes.map(() => bytes);
  const copiedToo = dstTypes.length < new Set(outTypes).size || outTypes.includes(tensor.type);
  // the worker takes ownership of the buffer it gets; keep the original when some output copies it
  const src = copiedToo || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength ? bytes.slice() : bytes;
  const converted = await pool.convert({ srcType: tensor.type, src, nRows: rowCount, nPerRow: tensor.shape[0], dstTypes });
  return outTypes.map((t) => (t === tensor.type ? bytes : converted[dstTypes.indexOf(t)]));
}

/** Every output lists the tensors in the same order (llama.cpp's order depends on the source only). */
function sharedTensorOrder(planned: readonly PlannedLayout[]): string[] {
  const order = planned[0].plan.tensors.map((t) => t.name);
  for (const p of planned.slice(1)) {
    if (p.plan.tensors.length !== order.length || p.plan.tensors.some((t, i) => t.name !== order[i])) {
      throw new Error('internal error: outputs disagree on tensor order');
    }
  }
  return order;
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
