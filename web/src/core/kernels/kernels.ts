// Typed access to the quantization kernels in wasm/out/quantsmith.wasm (C in wasm/, built by
// scripts/build-wasm.mjs). Works unchanged in Node and in browser workers: the caller supplies the
// module bytes or a compiled WebAssembly.Module (see wasm-url.ts and web/src/io/node-wasm.ts).
//
// Each call copies its source into the WASM heap once and its result out once. The heap regions
// are scratch buffers reused across calls and grown as needed, so one Kernels instance must not be
// used re-entrantly (it is synchronous, so this only matters across workers, which each own one).
import { QuantsmithError } from '../errors.ts';

/**
 * How a type's quantizer treats importance weights (an imatrix's per-column values):
 * - `ignored`: ggml's quantizer ignores them (F32, F16, BF16, Q8_0, TQ1_0, TQ2_0, MXFP4, NVFP4, Q1_0, Q2_0);
 *   passing them changes nothing
 * - `used`: used when given, the plain quantizer otherwise
 * - `required`: ggml refuses to quantize without them (ggml_quantize_requires_imatrix)
 * - `pending`: ggml uses them but Quantsmith's weighted path is not written yet; passing them throws
 */
export type KernelImportance = 'ignored' | 'used' | 'required' | 'pending';

const IMPORTANCE: readonly KernelImportance[] = ['ignored', 'used', 'required', 'pending']; // QS_WEIGHTS_* order

/** One entry of the kernel module's own type table (wasm/type_traits.def). */
export interface KernelTypeInfo {
  readonly id: number;
  readonly name: string;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
  readonly importance: KernelImportance;
}

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  qs_type_count(): number;
  qs_type_info(index: number, out: number): number;
  qs_quantize_rows(srcType: number, src: number, dstType: number, dst: number, nRows: number, nPerRow: number, weights: number): number;
  qs_dequantize_rows(srcType: number, src: number, dst: number, nRows: number, nPerRow: number): number;
  qs_alloc(bytes: number): number;
  qs_free(ptr: number): void;
}

const F32 = 0;
const F16 = 1;
const BF16 = 30;
/** Types the C side quantizes from directly; anything else is dequantized to F32 first. */
const DIRECT_SOURCES = new Set([F32, F16, BF16]);

const ERRORS: Record<number, string> = {
  [-1]: 'unknown type',
  [-2]: 'row length is not a positive multiple of the block size',
  [-3]: 'source type must be f32, f16 or bf16',
  [-4]: 'rows too large for one kernel call',
  [-5]: 'importance weights are not supported for this type yet',
  [-6]: 'this type needs importance weights',
};

/** A growable region of the WASM heap. */
class Scratch {
  private ptr = 0;
  private capacity = 0;
  constructor(private readonly exports: KernelExports) {}

  /** Address of at least `bytes` bytes (contents not kept across growth). */
  reserve(bytes: number): number {
    if (bytes <= this.capacity) return this.ptr;
    this.release();
    const capacity = Math.max(bytes, Math.ceil(this.capacity * 1.5), 64 * 1024);
    const ptr = this.exports.qs_alloc(capacity) >>> 0;
    if (ptr === 0) throw new Error(`kernels: cannot allocate ${capacity} bytes of WASM memory`);
    this.ptr = ptr;
    this.capacity = capacity;
    return ptr;
  }

  release(): void {
    if (this.ptr) this.exports.qs_free(this.ptr);
    this.ptr = 0;
    this.capacity = 0;
  }
}

export class Kernels {
  /** The types the module handles, in its table order. */
  readonly types: readonly KernelTypeInfo[];
  private readonly byId: ReadonlyMap<number, KernelTypeInfo>;
  private readonly input: Scratch;
  private readonly widened: Scratch;
  private readonly output: Scratch;
  private readonly weights: Scratch;

  constructor(private readonly exports: KernelExports) {
    this.input = new Scratch(exports);
    this.widened = new Scratch(exports);
    this.output = new Scratch(exports);
    this.weights = new Scratch(exports);
    this.types = readTypeTable(exports);
    this.byId = new Map(this.types.map((t) => [t.id, t]));
  }

  /** Whether the kernels can quantize to and dequantize from this ggml type. */
  supports(type: number): boolean {
    return this.byId.has(type);
  }

  /** Bytes of one row of `nPerRow` elements of `type` (ggml_row_size). */
  rowBytes(type: number, nPerRow: number): number {
    const t = this.type(type);
    checkRowLength(t, nPerRow);
    return (nPerRow / t.blockSize) * t.bytesPerBlock;
  }

  /** Whether ggml refuses to quantize this type without importance weights (ggml_quantize_requires_imatrix). */
  requiresImportance(type: number): boolean {
    return this.type(type).importance === 'required';
  }

  /**
   * Quantizes nRows rows of nPerRow elements from `src` (bytes of srcType) to dstType: the bytes
   * llama.cpp's ggml_quantize_chunk writes for the same values with the same importance weights
   * (`importance`: nPerRow values applied to every row, as an imatrix entry; none when omitted).
   * F32/F16/BF16 sources are read directly (halves widened exactly); other kernel types are
   * dequantized to F32 first, as llama.cpp does before requantizing.
   */
  quantizeRows(srcType: number, src: Uint8Array, dstType: number, nRows: number, nPerRow: number, importance?: Float32Array): Uint8Array {
    return this.quantizeRowsToTypes(srcType, src, [dstType], nRows, nPerRow, importance)[0];
  }

  /** quantizeRows for several output types from one copy of the source (and the weights) in the heap. */
  quantizeRowsToTypes(
    srcType: number,
    src: Uint8Array,
    dstTypes: readonly number[],
    nRows: number,
    nPerRow: number,
    importance?: Float32Array,
  ): Uint8Array[] {
    this.checkOutputs(dstTypes, nPerRow, importance);
    return this.quantizeStaged(srcType, this.stage(srcType, src, nRows, nPerRow), dstTypes, nRows, nPerRow, importance);
  }

  /**
   * A view of the heap where nRows rows of srcType go for quantizeInputToTypes: a reader fills it in place
   * (no buffer of its own, no copy). Valid until the next call on this instance.
   */
  inputArea(srcType: number, nRows: number, nPerRow: number): Uint8Array {
    const bytes = this.checkedInputBytes(srcType, nRows, nPerRow);
    const ptr = this.input.reserve(bytes); // may grow the heap: take its buffer only afterwards
    return new Uint8Array(this.exports.memory.buffer, ptr, bytes);
  }

  /** quantizeRowsToTypes for the rows a reader put in inputArea(srcType, nRows, nPerRow). */
  quantizeInputToTypes(srcType: number, dstTypes: readonly number[], nRows: number, nPerRow: number, importance?: Float32Array): Uint8Array[] {
    this.checkOutputs(dstTypes, nPerRow, importance);
    return this.quantizeStaged(srcType, this.input.reserve(this.checkedInputBytes(srcType, nRows, nPerRow)), dstTypes, nRows, nPerRow, importance);
  }

  private checkOutputs(dstTypes: readonly number[], nPerRow: number, importance: Float32Array | undefined): void {
    for (const id of dstTypes) {
      const t = this.type(id);
      checkRowLength(t, nPerRow);
      checkImportance(t, nPerRow, importance);
    }
  }

  private quantizeStaged(srcType: number, staged: number, dstTypes: readonly number[], nRows: number, nPerRow: number, importance: Float32Array | undefined): Uint8Array[] {
    const outTypes = dstTypes.map((id) => this.type(id));
    let [kind, ptr] = [srcType, staged];
    if (!DIRECT_SOURCES.has(srcType)) {
      ptr = this.dequantizeInHeap(srcType, ptr, this.widened, nRows, nPerRow);
      kind = F32;
    }
    const weights = importance ? this.stageWeights(importance) : 0;
    return outTypes.map((out) => {
      const bytes = nRows * this.rowBytes(out.id, nPerRow);
      const dst = this.output.reserve(bytes);
      const w = out.importance === 'ignored' ? 0 : weights;
      const written = this.exports.qs_quantize_rows(kind, ptr, out.id, dst, nRows, nPerRow, w);
      check(written, `quantize ${this.type(srcType).name} → ${out.name}`);
      return new Uint8Array(this.exports.memory.buffer, dst, bytes).slice();
    });
  }

  /** F32 values of nRows rows of nPerRow elements of srcType (ggml's to_float for that type). */
  dequantizeRows(srcType: number, src: Uint8Array, nRows: number, nPerRow: number): Float32Array {
    const ptr = this.stage(srcType, src, nRows, nPerRow);
    const out = this.dequantizeInHeap(srcType, ptr, this.output, nRows, nPerRow);
    return new Float32Array(this.exports.memory.buffer, out, nRows * nPerRow).slice();
  }

  /** Gives the scratch buffers back to the WASM allocator (the heap itself never shrinks). */
  releaseScratch(): void {
    this.input.release();
    this.widened.release();
    this.output.release();
    this.weights.release();
  }

  private type(id: number): KernelTypeInfo {
    const t = this.byId.get(id);
    if (!t) throw new QuantsmithError(`ggml type ${id} is not supported by Quantsmith's kernels`);
    return t;
  }

  private checkedInputBytes(srcType: number, nRows: number, nPerRow: number): number {
    this.type(srcType);
    if (!Number.isInteger(nRows) || nRows < 0) throw new QuantsmithError(`invalid row count ${nRows}`);
    return nRows * this.rowBytes(srcType, nPerRow);
  }

  /** Copies the source rows into the input scratch after checking their size. */
  private stage(srcType: number, src: Uint8Array, nRows: number, nPerRow: number): number {
    const expected = this.checkedInputBytes(srcType, nRows, nPerRow);
    if (src.byteLength !== expected) {
      throw new QuantsmithError(`${nRows} rows of ${nPerRow} ${this.type(srcType).name} values need ${expected} bytes, got ${src.byteLength}`);
    }
    const ptr = this.input.reserve(expected);
    new Uint8Array(this.exports.memory.buffer, ptr, expected).set(src);
    return ptr;
  }

  private stageWeights(importance: Float32Array): number {
    const ptr = this.weights.reserve(importance.byteLength);
    new Float32Array(this.exports.memory.buffer, ptr, importance.length).set(importance);
    return ptr;
  }

  private dequantizeInHeap(srcType: number, src: number, into: Scratch, nRows: number, nPerRow: number): number {
    const dst = into.reserve(nRows * nPerRow * 4);
    check(this.exports.qs_dequantize_rows(srcType, src, dst, nRows, nPerRow), `dequantize ${this.type(srcType).name}`);
    return dst;
  }
}

function checkRowLength(t: KernelTypeInfo, nPerRow: number): void {
  if (!Number.isInteger(nPerRow) || nPerRow <= 0 || nPerRow % t.blockSize !== 0) {
    throw new QuantsmithError(`row length ${nPerRow} is not a positive multiple of ${t.name}'s block size ${t.blockSize}`);
  }
}

function checkImportance(t: KernelTypeInfo, nPerRow: number, importance: Float32Array | undefined): void {
  if (!importance) {
    if (t.importance === 'required') throw new QuantsmithError(`${t.name} cannot be quantized without importance weights (an imatrix)`);
    return;
  }
  if (!(importance instanceof Float32Array) || importance.length !== nPerRow) {
    throw new QuantsmithError(`importance weights must be ${nPerRow} float32 values (one per row element), got ${describe(importance)}`);
  }
  if (t.importance === 'pending') throw new QuantsmithError(`quantizing to ${t.name} with importance weights is not supported yet`);
}

function describe(x: unknown): string {
  return x instanceof Float32Array ? `${x.length}` : `a ${Object.prototype.toString.call(x).slice(8, -1)}`;
}

function check(code: number, what: string): void {
  if (code < 0) throw new Error(`kernels: ${what} failed: ${ERRORS[code] ?? `error ${code}`}`);
}

function readTypeTable(exports: KernelExports): KernelTypeInfo[] {
  const info = exports.qs_alloc(20) >>> 0;
  try {
    const types: KernelTypeInfo[] = [];
    for (let i = 0; i < exports.qs_type_count(); i++) {
      exports.qs_type_info(i, info);
      const [id, blockSize, bytesPerBlock, namePtr, weights] = new Uint32Array(exports.memory.buffer, info, 5);
      const importance = IMPORTANCE[weights];
      if (!importance) throw new Error(`kernels: type ${id} has an unknown weights mode ${weights}`);
      types.push(Object.freeze({ id, name: readCString(exports.memory, namePtr), blockSize, bytesPerBlock, importance }));
    }
    return types;
  } finally {
    exports.qs_free(info);
  }
}

function readCString(memory: WebAssembly.Memory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer, ptr);
  return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
}

/** Instantiates the kernel module from its bytes or an already compiled module. */
export async function instantiateKernels(source: BufferSource | WebAssembly.Module): Promise<Kernels> {
  // The module's only import: emscripten's hook to refresh JS views after memory growth. Views are
  // re-created from memory.buffer at every call, so there is nothing to do.
  const imports = { env: { emscripten_notify_memory_growth: () => {} } };
  const instance =
    source instanceof WebAssembly.Module
      ? await WebAssembly.instantiate(source, imports)
      : (await WebAssembly.instantiate(source, imports)).instance;
  const exports = instance.exports as unknown as KernelExports;
  exports._initialize();
  return new Kernels(exports);
}
