// Encodes an importance matrix as llama-imatrix writes it (tools/imatrix/imatrix.cpp): the GGUF format
// (save_imatrix: general.type "imatrix", the dataset names, chunk count and size, then per weight, in
// sorted name order, F32 tensors `<name>.in_sum2` of ne0 × n_expert raw sums and `<name>.counts`), or on
// request the legacy .dat (save_imatrix_legacy: per entry its ncall and the sums divided by the count
// and multiplied by ncall). The result is the file's bytes in order, for a ByteSink.
import { QuantsmithError } from '../errors.ts';
import { GgufValueType as V, type GgufKV } from '../formats/gguf/model.ts';
import { computeGgufLayout, encodeGgufHeader } from '../formats/gguf/writer.ts';
import { padTo } from '../formats/gguf/tensor-size.ts';
import type { ImatrixEntry, ImportanceMatrix } from './imatrix.ts';

const F32 = 0;

/** The names in the order llama-imatrix writes them (std::sort of std::string: byte order). */
function sortedEntries(m: ImportanceMatrix): ImatrixEntry[] {
  const utf8 = new TextEncoder();
  const key = new Map(m.entries.map((e) => [e, utf8.encode(e.name)]));
  return [...m.entries].sort((a, b) => {
    const x = key.get(a)!;
    const y = key.get(b)!;
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });
}

function checkEntry(e: ImatrixEntry): number {
  const nMat = e.counts.length;
  if (nMat < 1 || e.sums.length === 0 || e.sums.length % nMat !== 0) {
    throw new QuantsmithError(`importance matrix entry '${e.name}' has ${e.sums.length} values for ${nMat} experts`);
  }
  return e.sums.length / nMat;
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The GGUF imatrix file. */
export function encodeImatrixGguf(m: ImportanceMatrix): Uint8Array[] {
  const entries = sortedEntries(m);
  const metadata: GgufKV[] = [
    { key: 'general.type', type: V.STRING, value: 'imatrix' },
    { key: 'imatrix.datasets', type: V.ARRAY, value: { itemType: V.STRING, items: [...m.datasets] } },
    { key: 'imatrix.chunk_count', type: V.UINT32, value: m.chunkCount },
    { key: 'imatrix.chunk_size', type: V.UINT32, value: m.chunkSize },
  ];
  const tensors = entries.flatMap((e) => {
    const ne0 = checkEntry(e);
    const nMat = e.counts.length;
    return [
      { name: `${e.name}.in_sum2`, shape: [ne0, nMat], type: F32 },
      { name: `${e.name}.counts`, shape: [1, nMat], type: F32 },
    ];
  });
  const layout = computeGgufLayout({ metadata, tensors });
  const parts: Uint8Array[] = [encodeGgufHeader(layout)];
  for (const e of entries) {
    for (const data of [e.sums, e.counts]) {
      const bytes = f32Bytes(data);
      parts.push(bytes);
      const pad = padTo(bytes.byteLength, layout.alignment) - bytes.byteLength;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  return parts;
}

/** The legacy .dat file. ncall is the chunks an entry saw, rounded up, as llama-imatrix computes it. */
export function encodeImatrixDat(m: ImportanceMatrix): Uint8Array[] {
  if (!(m.chunkSize > 0)) throw new QuantsmithError('a .dat importance matrix needs the chunk size it was computed with');
  const entries = sortedEntries(m).filter((e) => e.counts.some((c) => c !== 0));
  const utf8 = new TextEncoder();
  const parts: Uint8Array[] = [];
  const i32 = (v: number) => new Uint8Array(Int32Array.of(v).buffer);
  parts.push(i32(entries.length));
  for (const e of entries) {
    const ne0 = checkEntry(e);
    const name = utf8.encode(e.name);
    parts.push(i32(name.length), name);
    const maxCount = Math.max(...e.counts);
    const ncall = Math.floor((maxCount + (m.chunkSize - 1)) / m.chunkSize);
    parts.push(i32(ncall), i32(e.sums.length));
    const out = new Float32Array(e.sums.length);
    for (let i = 0; i < out.length; i++) {
      let count = Math.fround(e.counts[Math.floor(i / ne0)]);
      let value = e.sums[i];
      if (count === 0) {
        value = 1;
        count = 1;
      }
      out[i] = Math.fround(Math.fround(value / count) * ncall);
    }
    parts.push(f32Bytes(out));
  }
  parts.push(i32(m.chunkCount));
  const dataset = utf8.encode(m.datasets[m.datasets.length - 1] ?? '');
  parts.push(i32(dataset.length), dataset);
  return parts;
}

/** The file's bytes in the format the matrix names. */
export function encodeImatrix(m: ImportanceMatrix): Uint8Array[] {
  return m.format === 'dat' ? encodeImatrixDat(m) : encodeImatrixGguf(m);
}
