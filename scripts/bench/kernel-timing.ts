// What the per-kernel speed scripts (scripts/bench-kernels-*.ts) share: the rows they quantize and how they
// time a call. CPU time, not wall time: the machine is shared, and wall time would count the others.
import { gaussian, rng } from '../../tests/oracle/kernels-data.ts';

/** Deterministic normal values (the kernel tests' xorshift32 + Box-Muller): weights of a trained layer look like this. */
export function normals(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, gaussian(rng(seed)));
}

/** CPU milliseconds (user + system, all threads of this process) that `f` took. */
export function cpuMs(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}
