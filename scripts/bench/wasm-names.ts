// Names for the anonymous "wasm-function[N]" entries of a CPU profile. The kernel module is built without
// a name section; the same sources built with --profiling-funcs keep names. That twin's code differs a
// little (names change some of wasm-opt's choices), so it is trusted only when its function table is the
// real module's: identical type, import, function and export sections (same functions, same order).
// Built once per source hash into the cache.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WASM_SRC = join(REPO, 'wasm');
const BUILT = join(WASM_SRC, 'out', 'quantsmith.wasm');
/** scripts/build-wasm.mjs's flags, plus --profiling-funcs (checked below: a drift only loses the names) */
const FLAGS = [
  '-O3', '-msimd128', '-ffp-contract=off', '-std=c11', '--no-entry', '-sSTANDALONE_WASM', '-sALLOW_MEMORY_GROWTH=1',
  '-sINITIAL_MEMORY=16MB', '-sMAXIMUM_MEMORY=4GB', '-sTOTAL_STACK=1MB', '-sFILESYSTEM=0', '-sERROR_ON_UNDEFINED_SYMBOLS=1',
  '--profiling-funcs',
];

/** Function index → name, or undefined when the twin cannot be built or does not match the real module. */
export function kernelFunctionNames(): Map<number, string> | undefined {
  if (!existsSync(BUILT)) return undefined;
  const sources = readdirSync(WASM_SRC).filter((f) => /\.(c|h|def)$/.test(f)).sort();
  const hash = createHash('sha256');
  for (const f of sources) hash.update(f).update(readFileSync(join(WASM_SRC, f)));
  const named = join(cacheDir('wasm-names'), `${hash.digest('hex').slice(0, 16)}.wasm`);
  if (!existsSync(named)) {
    const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
    const cFiles = sources.filter((f) => f.endsWith('.c')).map((f) => join(WASM_SRC, f));
    const r = spawnSync(process.env.EMCC || 'emcc', [...FLAGS, ...cFiles, '-o', named], { env, stdio: 'ignore' });
    if (r.status !== 0 || !existsSync(named)) return undefined;
  }
  const real = sections(readFileSync(BUILT));
  const twin = sections(readFileSync(named));
  const section = (s: Section[], id: number) => Buffer.from(s.find((x) => x.id === id)?.bytes ?? new Uint8Array());
  for (const id of [1, 2, 3, 7]) if (!section(real, id).equals(section(twin, id))) return undefined;
  const nameSection = twin.find((x) => x.id === 0 && x.name === 'name');
  return nameSection ? functionNames(nameSection.bytes) : undefined;
}

interface Section {
  readonly id: number;
  /** custom sections only */
  readonly name?: string;
  readonly bytes: Uint8Array;
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  string(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

function sections(module: Uint8Array): Section[] {
  const r = new Reader(module);
  r.pos = 8; // magic + version
  const out: Section[] = [];
  while (r.pos < module.length) {
    const id = module[r.pos++];
    const size = r.u32();
    const end = r.pos + size;
    if (id === 0) {
      const name = r.string();
      out.push({ id, name, bytes: module.subarray(r.pos, end) });
    } else {
      out.push({ id, bytes: module.subarray(r.pos, end) });
    }
    r.pos = end;
  }
  return out;
}

/** The "function names" subsection (id 1) of a name section. */
function functionNames(section: Uint8Array): Map<number, string> {
  const r = new Reader(section);
  const names = new Map<number, string>();
  while (r.pos < section.length) {
    const id = section[r.pos++];
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const index = r.u32();
        names.set(index, r.string());
      }
    }
    r.pos = end;
  }
  return names;
}
