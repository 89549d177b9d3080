// Reads the .cpuprofile files `node --cpu-prof` writes (one per thread: main and each worker) and sums
// self time by function, so the benchmark can say where the time goes without opening DevTools.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly seconds: number;
  readonly share: number;
}

export interface ThreadProfile {
  readonly file: string;
  readonly seconds: number;
  readonly top: readonly FunctionTime[];
}

/** `wasmNames` maps function indices to names for "wasm-function[N]" entries (see wasm-names.ts). */
export function summarizeProfiles(dir: string, topN = 8, wasmNames?: ReadonlyMap<number, string>): ThreadProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summarize(join(dir, f), topN, wasmNames))
    .sort((a, b) => b.seconds - a.seconds);
}

function summarize(path: string, topN: number, wasmNames?: ReadonlyMap<number, string>): ThreadProfile {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    if (!node) continue;
    const key = label(node, wasmNames);
    // a sample's time is the gap to the next sample
    self.set(key, (self.get(key) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const total = (profile.endTime - profile.startTime) / 1e6;
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([name, us]) => ({ name, seconds: us / 1e6, share: us / 1e6 / total }));
  return { file: basename(path), seconds: total, top };
}

function label(node: ProfileNode, wasmNames?: ReadonlyMap<number, string>): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const wasmIndex = /^wasm-function\[(\d+)\]$/.exec(functionName)?.[1];
  if (wasmIndex !== undefined) return `wasm ${wasmNames?.get(Number(wasmIndex)) ?? functionName}`;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  return `${name} ${url.replace(/^.*\/(web|node_modules)\//, '$1/')}:${lineNumber + 1}`;
}

/** Threads that did something (the loader threads tsx starts are idle throughout and left out). */
export function formatProfiles(profiles: readonly ThreadProfile[]): string {
  const busy = (p: ThreadProfile) => p.seconds - (p.top.find((f) => f.name === '(idle)')?.seconds ?? 0);
  return profiles
    .filter((p, i) => i === 0 || busy(p) >= 0.5 || p.file.includes('.0.'))
    .map((p) => [`${p.file} (${p.seconds.toFixed(1)} s):`, ...p.top.map((f) => `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.seconds.toFixed(2).padStart(6)} s  ${f.name}`)].join('\n'))
    .join('\n');
}
