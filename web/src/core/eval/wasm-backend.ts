// The evaluator's backend on the WASM SIMD kernels (wasm/eval_matmul.c, wasm/eval_attention.c, and the
// quantizer's own dequantizers). Weights stay in their file type in the WASM heap; a matmul dequantizes a
// tile of rows at a time. One instance per worker; not re-entrant (it is synchronous).
import type { AttentionOptions, BackendMatrix, EvalBackend, TokenScorer } from './backend.ts';
import type { CompressedLogProbs, KldToken } from './token-scores.ts';
import { vecDotType } from './activation-rounding.ts';

interface EvalExports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  qs_alloc(bytes: number): number;
  qs_free(ptr: number): void;
  qs_row_bytes(type: number, nPerRow: number): number;
  qs_dequantize_rows(type: number, src: number, dst: number, nRows: number, nPerRow: number): number;
  qs_eval_round_activations(vecDotType: number, x: number, nRows: number, nPerRow: number): number;
  qs_eval_matmul_scratch_bytes(nIn: number): number;
  qs_eval_matmul(type: number, w: number, nOut: number, nIn: number, x: number, nTok: number, y: number, scratch: number): number;
  qs_eval_attention_scratch_bytes(nTok: number): number;
  qs_eval_swiglu(gate: number, up: number, n: number): void;
  qs_eval_geglu(gate: number, up: number, n: number): void;
  qs_eval_nll(x: number, n: number, tok: number): number;
  qs_eval_compress(x: number, n: number, q: number, out: number): void;
  qs_eval_kld(x: number, n: number, q: number, scale: number, minLogProb: number, tok: number, out: number): number;
  qs_eval_attention(q: number, k: number, v: number, nTok: number, nHead: number, nHeadKv: number, headDim: number, scale: number, softcap: number, window: number, out: number, scores: number): number;
}

interface WasmMatrix extends BackendMatrix {
  ptr: number;
}

/** A growable region of the heap (contents not kept across growth). */
class Region {
  ptr = 0;
  private capacity = 0;
  constructor(private readonly x: EvalExports) {}
  reserve(bytes: number): number {
    if (bytes <= this.capacity) return this.ptr;
    if (this.ptr) this.x.qs_free(this.ptr);
    const capacity = Math.max(bytes, Math.ceil(this.capacity * 1.25), 64 * 1024);
    this.ptr = this.x.qs_alloc(capacity) >>> 0;
    if (!this.ptr) throw new Error(`evaluator: cannot allocate ${capacity} bytes of WASM memory`);
    this.capacity = capacity;
    return this.ptr;
  }
}

export class WasmBackend implements EvalBackend {
  private readonly regions: Region[];
  readonly scorer: TokenScorer;

  private constructor(private readonly x: EvalExports) {
    this.regions = Array.from({ length: 5 }, () => new Region(x));
    this.scorer = this.makeScorer();
  }

  /** The per-token scores in C: a row is copied into the heap once per call. */
  private makeScorer(): TokenScorer {
    const row = new Region(this.x);
    const levels = new Region(this.x);
    const small = new Region(this.x);
    const stage = (logits: Float32Array, off: number, n: number): number => {
      const p = row.reserve(n * 4);
      levels.reserve(n * 2);
      small.reserve(16);
      new Float32Array(this.x.memory.buffer, p, n).set(logits.subarray(off, off + n));
      return p;
    };
    return {
      negLogLikelihood: (logits, off, n, tok) => this.x.qs_eval_nll(stage(logits, off, n), n, tok),
      compressLogProbs: (logits, off, n, into: CompressedLogProbs) => {
        const p = stage(logits, off, n);
        this.x.qs_eval_compress(p, n, levels.ptr, small.ptr);
        const out = new Float32Array(this.x.memory.buffer, small.ptr, 2);
        into.scale = out[0];
        into.minLogProb = out[1];
        into.q.set(new Uint16Array(this.x.memory.buffer, levels.ptr, n));
      },
      kldToken: (logits, off, n, base, tok): KldToken => {
        const p = stage(logits, off, n);
        new Uint16Array(this.x.memory.buffer, levels.ptr, n).set(base.q.subarray(0, n));
        const kld = this.x.qs_eval_kld(p, n, levels.ptr, base.scale, base.minLogProb, tok, small.ptr);
        const out = new Float32Array(this.x.memory.buffer, small.ptr, 4);
        return { kld, pDiff: out[0], sameTop: out[1] !== 0, nll: out[2], nllBase: out[3] };
      },
    };
  }

  static async create(module: WebAssembly.Module | BufferSource): Promise<WasmBackend> {
    const imports = { env: { emscripten_notify_memory_growth: () => {} } };
    const instance =
      module instanceof WebAssembly.Module
        ? await WebAssembly.instantiate(module, imports)
        : (await WebAssembly.instantiate(module, imports)).instance;
    const x = instance.exports as unknown as EvalExports;
    x._initialize();
    return new WasmBackend(x);
  }

  matrix(type: number, bytes: Uint8Array, nOut: number, nIn: number): BackendMatrix {
    const rowBytes = this.x.qs_row_bytes(type, nIn);
    if (rowBytes < 0 || rowBytes * nOut !== bytes.byteLength) {
      throw new Error(`evaluator: ${nOut} rows of ${nIn} values of type ${type} do not fit ${bytes.byteLength} bytes`);
    }
    vecDotType(type); // refuse types the matmul cannot round activations for, before any work
    const ptr = this.x.qs_alloc(bytes.byteLength) >>> 0;
    if (!ptr) throw new Error(`evaluator: cannot allocate ${bytes.byteLength} bytes of WASM memory`);
    this.heap().set(bytes, ptr);
    const m: WasmMatrix = { type, nOut, nIn, ptr };
    return m;
  }

  release(m: BackendMatrix): void {
    const w = m as WasmMatrix;
    if (w.ptr) this.x.qs_free(w.ptr);
    w.ptr = 0;
  }

  matmul(m: BackendMatrix, x: Float32Array, nTok: number): Float32Array {
    const w = m as WasmMatrix;
    if (!w.ptr) throw new Error('evaluator: matrix used after release');
    const [xr, yr, sr] = this.regions;
    const xp = xr.reserve(nTok * m.nIn * 4);
    const yp = yr.reserve(nTok * m.nOut * 4);
    const sp = sr.reserve(this.x.qs_eval_matmul_scratch_bytes(m.nIn));
    new Float32Array(this.x.memory.buffer, xp, nTok * m.nIn).set(x.subarray(0, nTok * m.nIn));
    check(this.x.qs_eval_round_activations(vecDotType(m.type), xp, nTok, m.nIn), 'round activations');
    check(this.x.qs_eval_matmul(m.type, w.ptr, m.nOut, m.nIn, xp, nTok, yp, sp), 'matmul');
    return new Float32Array(this.x.memory.buffer, yp, nTok * m.nOut).slice();
  }

  attention(q: Float32Array, k: Float32Array, v: Float32Array, nTok: number, nHead: number, nHeadKv: number, headDim: number, scale: number, opts: AttentionOptions = {}): Float32Array {
    const [qr, kr, vr, or, sr] = this.regions;
    const qn = nTok * nHead * headDim;
    const kn = nTok * nHeadKv * headDim;
    const qp = qr.reserve(qn * 4);
    const kp = kr.reserve(kn * 4);
    const vp = vr.reserve(kn * 4);
    const op = or.reserve(qn * 4);
    const sp = sr.reserve(this.x.qs_eval_attention_scratch_bytes(nTok));
    const f = (p: number, n: number) => new Float32Array(this.x.memory.buffer, p, n);
    f(qp, qn).set(q.subarray(0, qn));
    f(kp, kn).set(k.subarray(0, kn));
    f(vp, kn).set(v.subarray(0, kn));
    check(this.x.qs_eval_attention(qp, kp, vp, nTok, nHead, nHeadKv, headDim, scale, opts.softcap ?? 0, opts.window ?? 0, op, sp), 'attention');
    return f(op, qn).slice();
  }

  swiglu(gate: Float32Array, up: Float32Array): void {
    this.gated(gate, up, (g, u, n) => this.x.qs_eval_swiglu(g, u, n));
  }

  geglu(gate: Float32Array, up: Float32Array): void {
    this.gated(gate, up, (g, u, n) => this.x.qs_eval_geglu(g, u, n));
  }

  private gated(gate: Float32Array, up: Float32Array, op: (g: number, u: number, n: number) => void): void {
    const [gr, ur] = this.regions;
    const n = gate.length;
    const gp = gr.reserve(n * 4);
    const up_ = ur.reserve(n * 4);
    new Float32Array(this.x.memory.buffer, gp, n).set(gate);
    new Float32Array(this.x.memory.buffer, up_, n).set(up.subarray(0, n));
    op(gp, up_, n);
    gate.set(new Float32Array(this.x.memory.buffer, gp, n));
  }

  dequantize(type: number, bytes: Uint8Array, nRows: number, nPerRow: number): Float32Array {
    const [inR, outR] = this.regions;
    const ip = inR.reserve(bytes.byteLength);
    const op = outR.reserve(nRows * nPerRow * 4);
    this.heap().set(bytes, ip);
    check(this.x.qs_dequantize_rows(type, ip, op, nRows, nPerRow), `dequantize type ${type}`);
    return new Float32Array(this.x.memory.buffer, op, nRows * nPerRow).slice();
  }

  private heap(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer);
  }
}

function check(code: number, what: string): void {
  if (code < 0) throw new Error(`evaluator: ${what} failed (kernel error ${code})`);
}
