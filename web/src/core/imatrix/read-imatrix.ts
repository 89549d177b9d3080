// Reads an importance matrix in either format llama-quantize accepts, told apart by content (a file that
// starts with the GGUF magic is the GGUF imatrix llama-imatrix writes by default, anything else the legacy
// .dat), over byte ranges of a ByteSource. Every problem is one named line: llama.cpp's wording where it has
// one (common/imatrix-loader.cpp), a clearer one where it would read garbage or crash.
import type { ByteSource } from '../byte-source.ts';
import { QuantsmithError } from '../errors.ts';
import { GGUF_MAGIC, GgufValueType, type GgufHeader, type GgufKV } from '../formats/gguf/model.ts';
import { readGgufHeader } from '../formats/gguf/reader.ts';
import { GgmlType } from '../quant/ggml-types.ts';
import type { ImatrixEntry, ImportanceMatrix } from './imatrix.ts';

const SUMS_SUFFIX = '.in_sum2';
const COUNTS_SUFFIX = '.counts';

export async function readImatrix(src: ByteSource): Promise<ImportanceMatrix> {
  const fail = (e: unknown): never => {
    if (e instanceof QuantsmithError) throw new QuantsmithError(`importance matrix ${src.name}: ${e.message}`);
    throw e;
  };
  try {
    const head = src.size >= 4 ? await src.read(0, 4) : new Uint8Array(0);
    const magic = head.length === 4 ? head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24) : 0;
    return magic === GGUF_MAGIC ? await readGgufImatrix(src) : await readLegacyImatrix(src);
  } catch (e) {
    return fail(e);
  }
}

// ---- GGUF ------------------------------------------------------------------------------------------------

async function readGgufImatrix(src: ByteSource): Promise<ImportanceMatrix> {
  const header = await readGgufHeader(src);
  const type = header.metadata.find((kv) => kv.key === 'general.type');
  if (type && type.value !== 'imatrix') {
    throw new QuantsmithError(`this GGUF file is a ${String(type.value)}, not an importance matrix (general.type is not 'imatrix')`);
  }
  if (header.tensors.length < 1) throw new QuantsmithError('no data in file');
  const datasets = header.metadata.find((kv) => kv.key === 'imatrix.datasets');
  const chunkCount = header.metadata.find((kv) => kv.key === 'imatrix.chunk_count');
  const chunkSize = header.metadata.find((kv) => kv.key === 'imatrix.chunk_size');
  if (!datasets || !chunkCount || !chunkSize) {
    const missing = [['imatrix.datasets', datasets], ['imatrix.chunk_count', chunkCount], ['imatrix.chunk_size', chunkSize]]
      .filter(([, kv]) => !kv).map(([key]) => key);
    throw new QuantsmithError(`missing imatrix metadata (${missing.join(', ')})`);
  }

  const pairs = new Map<string, { sums?: GgufHeader['tensors'][number]; counts?: GgufHeader['tensors'][number] }>();
  for (const t of header.tensors) {
    const kind = t.name.endsWith(SUMS_SUFFIX) ? 'sums' : t.name.endsWith(COUNTS_SUFFIX) ? 'counts' : undefined;
    if (!kind) continue;
    const name = t.name.slice(0, t.name.length - (kind === 'sums' ? SUMS_SUFFIX : COUNTS_SUFFIX).length);
    if (name === '') continue;
    const pair = pairs.get(name) ?? {};
    pair[kind] = t;
    pairs.set(name, pair);
  }
  if (pairs.size === 0) throw new QuantsmithError(`no ${SUMS_SUFFIX} / ${COUNTS_SUFFIX} tensors in the file`);

  const entries: ImatrixEntry[] = [];
  for (const [name, { sums, counts }] of pairs) {
    if (!sums || !counts) throw new QuantsmithError(`mismatched sums and counts for ${name} (the file has ${sums ? 'no counts' : 'no sums'})`);
    if (sums.type !== GgmlType.F32 || counts.type !== GgmlType.F32) throw new QuantsmithError(`sums and counts for ${name} must be F32`);
    const nSums = sums.byteLength / 4;
    const nCounts = counts.byteLength / 4;
    if (nCounts < 1 || nSums < 1 || nSums % nCounts !== 0) {
      throw new QuantsmithError(`sums and counts for ${name} do not pair: ${nSums} sums cannot be split among ${nCounts} expert count(s)`);
    }
    const entry: ImatrixEntry = {
      name,
      sums: await readFloats(src, header.dataOffset + sums.offset, nSums),
      counts: await readFloats(src, header.dataOffset + counts.offset, nCounts),
    };
    checkValues(entry);
    entries.push(entry);
  }
  return {
    format: 'gguf',
    datasets: stringArray(datasets),
    chunkCount: u32(chunkCount),
    chunkSize: u32(chunkSize),
    entries,
  };
}

async function readFloats(src: ByteSource, offset: number, n: number): Promise<Float32Array> {
  const bytes = await src.read(offset, n * 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function stringArray(kv: GgufKV): string[] {
  // llama.cpp ignores a datasets key that is not an array of strings
  if (kv.type !== GgufValueType.ARRAY || typeof kv.value !== 'object' || kv.value === null || !('items' in kv.value)) return [];
  if (kv.value.itemType !== GgufValueType.STRING) return [];
  return kv.value.items.map(String);
}

function u32(kv: GgufKV): number {
  if (kv.type !== GgufValueType.UINT32) {
    throw new QuantsmithError(`${kv.key} must be a uint32 (it is of GGUF type ${GgufValueType[kv.type] ?? kv.type})`);
  }
  return kv.value as number;
}

// ---- legacy .dat -----------------------------------------------------------------------------------------

/** Reads little-endian fields one after another, naming what was being read when the file ends. */
class FieldReader {
  position = 0;
  constructor(private readonly src: ByteSource) {}

  get remaining(): number {
    return this.src.size - this.position;
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    if (n > this.remaining) {
      throw new QuantsmithError(`file is truncated: ${what} needs ${n} bytes, ${this.remaining} are left`, this.position);
    }
    const b = await this.src.read(this.position, n);
    this.position += n;
    return b;
  }

  async i32(what: string): Promise<number> {
    const b = await this.bytes(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
  }
}

const NOT_AN_IMATRIX = 'not an importance matrix (neither a GGUF imatrix nor a legacy .dat file)';

async function readLegacyImatrix(src: ByteSource): Promise<ImportanceMatrix> {
  const r = new FieldReader(src);
  if (src.size < 4) throw new QuantsmithError(`${NOT_AN_IMATRIX}: it has only ${src.size} bytes`);
  const nEntries = await r.i32('the entry count');
  // each entry takes at least 16 bytes: name length, a 1-byte name, ncall, nval, one float (less: not a .dat)
  if (nEntries < 1) throw new QuantsmithError(`no data in file (its entry count is ${nEntries})`, 0);
  if (nEntries > Math.floor(r.remaining / 17)) {
    throw new QuantsmithError(`${NOT_AN_IMATRIX}: it claims ${nEntries} entries, more than its ${src.size} bytes can hold`, 0);
  }
  const entries: ImatrixEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < nEntries; i++) {
    const at = r.position;
    const len = await r.i32(`the name length of entry ${i + 1}`);
    if (len < 1 || len > r.remaining) {
      throw new QuantsmithError(`${NOT_AN_IMATRIX}: entry ${i + 1} has a name of ${len} bytes`, at);
    }
    const name = new TextDecoder().decode(await r.bytes(len, `the name of entry ${i + 1}`)).replace(/\0.*$/s, '');
    const ncall = await r.i32(`the call count of entry ${i + 1} (${name})`);
    const nvalAt = r.position;
    const nval = await r.i32(`the value count of entry ${i + 1} (${name})`);
    if (nval < 1) throw new QuantsmithError(`failed reading number of values for entry ${i + 1} (${name}): ${nval}`, nvalAt);
    if (nval * 4 > r.remaining) {
      throw new QuantsmithError(`file is truncated: entry ${i + 1} (${name}) has ${nval} values, only ${r.remaining} bytes are left`, nvalAt);
    }
    if (seen.has(name)) throw new QuantsmithError(`entry ${name} appears twice`, at);
    seen.add(name);
    const raw = await r.bytes(nval * 4, `the values of entry ${i + 1} (${name})`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const sums = new Float32Array(nval);
    for (let k = 0; k < nval; k++) sums[k] = view.getFloat32(k * 4, true);
    const entry: ImatrixEntry = { name, sums, counts: Float32Array.of(ncall) };
    checkValues(entry);
    entries.push(entry);
  }

  // the trailer is optional: the chunk count, then the dataset's name
  let chunkCount = 0;
  const datasets: string[] = [];
  if (r.remaining > 0) {
    chunkCount = await r.i32('the chunk count after the entries');
    const len = await r.i32('the dataset name length after the entries');
    if (len > 0) datasets.push(new TextDecoder().decode(await r.bytes(len, 'the dataset name')).replace(/\0.*$/s, ''));
    if (r.remaining > 0) throw new QuantsmithError(`${r.remaining} unexpected bytes after the dataset name`, r.position);
  }
  return { format: 'dat', datasets, chunkCount, chunkSize: 0, entries };
}

// ---- values ----------------------------------------------------------------------------------------------

/** Sums of squares and counts are never negative, NaN or infinite in a file llama-imatrix wrote. */
function checkValues(e: ImatrixEntry): void {
  const bad = (values: Float32Array): number => values.findIndex((v) => !(v >= 0) || v === Infinity);
  const s = bad(e.sums);
  if (s >= 0) throw new QuantsmithError(`entry ${e.name} has an invalid sum ${e.sums[s]} at index ${s} (sums of squares are finite and not negative)`);
  const c = bad(e.counts);
  if (c >= 0) throw new QuantsmithError(`entry ${e.name} has an invalid count ${e.counts[c]}${e.counts.length > 1 ? ` for expert ${c}` : ''}`);
}
