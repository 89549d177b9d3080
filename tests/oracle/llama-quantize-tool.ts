// What the llama-quantize program (tools/quantize/quantize.cpp) does with --imatrix, --include-weights and
// --exclude-weights before it calls llama_model_quantize: that part is not in libllama, so the oracle does it
// here, written from quantize.cpp's load_imatrix / prepare_imatrix and the four quantize.imatrix.* overrides.
import type { ImportanceMatrix } from '../../web/src/core/imatrix/imatrix.ts';
import type { KvOverrideValue } from './llama-cpp.ts';

export interface ToolImatrix {
  /** the llama_model_imatrix_data rows (empty: llama-quantize passes no imatrix at all) */
  data: { name: string; data: Float32Array }[];
  /** appended after the user's --override-kv */
  kvOverrides: { key: string; value: KvOverrideValue }[];
}

/** strncpy(val_str, s, 127): the first 127 bytes */
const cString127 = (s: string): string => {
  const b = new TextEncoder().encode(s);
  return b.length <= 127 ? s : new TextDecoder().decode(b.subarray(0, 127));
};

export function toolImatrix(m: ImportanceMatrix, fileName: string, include: readonly string[] = [], exclude: readonly string[] = []): ToolImatrix {
  // load_imatrix: sums divided by each expert's count (GGUF: counts rounded with lround, 0 gives 1.0) or by ncall (legacy)
  let entries = new Map<string, Float32Array>();
  for (const e of m.entries) {
    const out = new Float32Array(e.sums.length);
    if (m.format === 'gguf') {
      const ne0 = e.sums.length / e.counts.length;
      e.counts.forEach((c, j) => {
        const count = Math.fround(c < 0 ? -Math.round(-c) : Math.round(c));
        for (let i = 0; i < ne0; i++) out[j * ne0 + i] = count > 0 ? Math.fround(e.sums[j * ne0 + i] / count) : 1;
      });
    } else {
      const ncall = e.counts.length > 0 ? e.counts[0] : 0;
      e.sums.forEach((v, i) => (out[i] = ncall > 0 ? Math.fround(v / ncall) : v));
    }
    entries.set(e.name, out);
  }
  // prepare_imatrix: exclusions first, then inclusions (substring matches)
  for (const w of exclude) for (const name of [...entries.keys()]) if (name.includes(w)) entries.delete(name);
  if (include.length > 0) entries = new Map([...entries].filter(([name]) => include.some((w) => name.includes(w))));
  if (entries.size === 0) return { data: [], kvOverrides: [] };

  const kvOverrides: ToolImatrix['kvOverrides'] = [{ key: 'quantize.imatrix.file', value: { type: 'str', value: cString127(fileName) } }];
  if (m.datasets.length > 0) kvOverrides.push({ key: 'quantize.imatrix.dataset', value: { type: 'str', value: cString127(m.datasets[0]) } });
  kvOverrides.push({ key: 'quantize.imatrix.entries_count', value: { type: 'int', value: entries.size } });
  if (m.chunkCount > 0) kvOverrides.push({ key: 'quantize.imatrix.chunks_count', value: { type: 'int', value: m.chunkCount } });
  return { data: [...entries].map(([name, data]) => ({ name, data })), kvOverrides };
}
