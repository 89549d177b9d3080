// Runs a program to completion and measures it from outside: wall-clock seconds, the kernel's peak RSS
// (GNU time's %M, from wait4: exact, whatever the sampling misses), the sampled peak anonymous RSS, and
// how many cores other processes kept busy meanwhile (machine busy time minus the program's own, %U + %S).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineBusySeconds, othersCores } from './cpu-load.ts';
import { descendants, Sampler } from './proc-memory.ts';

const GNU_TIME = '/usr/bin/time';

export interface ProcessRun {
  readonly seconds: number;
  /** peak resident set in bytes: GNU time's maximum RSS when available, else the sampled peak */
  readonly peakRss: number;
  /** sampled peak of anonymous resident memory (heap, stacks, WASM) in bytes */
  readonly peakAnon: number;
  /** CPU seconds (user + system, all threads) the program used, when GNU time reports it */
  readonly cpuSeconds: number | undefined;
  /** average cores other processes kept busy meanwhile (when GNU time reports the program's own CPU) */
  readonly othersCores: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runProcess(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ProcessRun> {
  const timeFile = join(tmpdir(), `quantsmith-bench-time-${process.pid}.txt`);
  const viaTime = existsSync(GNU_TIME);
  const [file, argv] = viaTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, [...args]];
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const child = spawn(file, argv, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // the measured program is the child of GNU time (or the child itself); the tree is rescanned now and then
  let pids: number[] = [];
  let scannedAt = 0;
  const sampler = new Sampler(() => {
    if (!viaTime) return [child.pid!];
    if (pids.length === 0 || performance.now() - scannedAt > 2000) {
      pids = descendants(child.pid!).map((p) => p.pid);
      scannedAt = performance.now();
    }
    return pids;
  }).start();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  const busy = machineBusySeconds() - busyBefore;
  const peak = sampler.stop();
  let peakRss = peak.rss;
  let others: number | undefined;
  let cpuSeconds: number | undefined;
  if (viaTime && existsSync(timeFile)) {
    // the last line is ours (GNU time prints a status line before it when the program fails)
    const [maxKb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    if (Number.isFinite(maxKb)) peakRss = Math.max(peakRss, maxKb * 1024);
    if (Number.isFinite(user) && Number.isFinite(sys)) {
      cpuSeconds = user + sys;
      others = othersCores(busy, cpuSeconds, seconds);
    }
    rmSync(timeFile, { force: true });
  }
  if (code !== 0) {
    const tail = (stderr || stdout).trim().split('\n').slice(-8).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail}`);
  }
  return { seconds, peakRss, peakAnon: peak.anon, cpuSeconds, othersCores: others, stdout, stderr };
}
