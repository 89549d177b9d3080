// Memory of running processes, read from /proc (Linux): resident set (VmRSS), its anonymous part
// (RssAnon: heap, stacks, WASM memory — not file pages a mapping has touched), and the kernel's own
// high-water mark (VmHWM). A Sampler polls a set of processes and keeps the peak of their sum.
import { readFileSync, readdirSync } from 'node:fs';

export interface MemoryReading {
  /** bytes */
  readonly rss: number;
  readonly anon: number;
  /** peak RSS of the process so far (kernel-tracked, exact) */
  readonly hwm: number;
}

export function readMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), hwm: kb('VmHWM') };
}

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces and parentheses
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      out.push({ pid: Number(entry), ppid, comm });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Every process below `root` (not `root` itself). */
export function descendants(root: number): ProcInfo[] {
  const all = listProcesses();
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Proportional set size (shared pages split between the processes sharing them), bytes: sums are honest. */
export function readPss(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export interface Peak {
  /** peak of the summed VmRSS, bytes */
  rss: number;
  /** peak of the summed RssAnon, bytes */
  anon: number;
  /** peak of the summed Pss, bytes (0 unless the sampler reads it) */
  pss: number;
}

/** Polls the processes `select` returns every `intervalMs` and keeps the peak of their summed memory. */
export class Sampler {
  readonly peak: Peak = { rss: 0, anon: 0, pss: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly select: () => readonly number[],
    private readonly options: { intervalMs?: number; pss?: boolean } = {},
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.options.intervalMs ?? 100);
    return this;
  }

  stop(): Peak {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  sample(): void {
    let rss = 0;
    let anon = 0;
    let pss = 0;
    for (const pid of this.select()) {
      const m = readMemory(pid);
      if (!m) continue;
      rss += m.rss;
      anon += m.anon;
      if (this.options.pss) pss += readPss(pid);
    }
    this.peak.rss = Math.max(this.peak.rss, rss);
    this.peak.anon = Math.max(this.peak.anon, anon);
    this.peak.pss = Math.max(this.peak.pss, pss);
  }
}
