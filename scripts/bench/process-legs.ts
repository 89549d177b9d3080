// The legs that are programs of their own, each measured from outside by runProcess: llama-quantize,
// Quantsmith's CLI, and the Node read-only pass. Seconds are wall-clock for the whole program, start-up included.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.ts';
import { runProcess, type ProcessRun } from './run-process.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'web', 'src', 'cli', 'bin.mjs');
const NODE_READ = fileURLToPath(new URL('./node-read.ts', import.meta.url));

export interface QuantizeRun extends ProcessRun {
  /** where the output was written (deleted by the caller when done with it) */
  readonly output: string;
  readonly outputBytes: number;
}

export function outputPath(label: string): string {
  return join(cacheDir('out'), `${label}.gguf`);
}

export async function runLlamaQuantize(bin: string, model: string, ftype: string, imatrix: string | undefined, threads: number): Promise<QuantizeRun> {
  const output = outputPath(`native-${ftype}${imatrix ? '-imatrix' : ''}`);
  rmSync(output, { force: true });
  // llama-quantize [options] input output type [nthreads]
  const run = await runProcess(bin, [...(imatrix ? ['--imatrix', imatrix] : []), model, output, ftype, String(threads)]);
  return { ...run, output, outputBytes: statSync(output).size };
}

export async function runCli(model: string, ftype: string, threads: number, extraNodeArgs: readonly string[] = [], imatrix?: string): Promise<QuantizeRun> {
  const output = outputPath(`cli-${ftype}${imatrix ? '-imatrix' : ''}-t${threads}`);
  rmSync(output, { force: true });
  const args = [CLI, 'quantize', model, '-o', output, '-t', ftype, '--threads', String(threads), ...(imatrix ? ['--imatrix', imatrix] : [])];
  const run = await runProcess(process.execPath, [...extraNodeArgs, ...args]);
  return { ...run, output, outputBytes: statSync(output).size };
}

export interface ReadRun extends ProcessRun {
  /** seconds of the read loop alone, as the child measured it */
  readonly loopSeconds: number;
}

export async function runNodeRead(model: string): Promise<ReadRun> {
  const run = await runProcess(process.execPath, ['--import', 'tsx', NODE_READ, model]);
  const { seconds } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { seconds: number };
  return { ...run, loopSeconds: seconds };
}

/** Whether two files have the same bytes (cmp stops at the first difference). */
export function sameBytes(a: string, b: string): boolean {
  try {
    execFileSync('cmp', ['--silent', a, b]);
    return true;
  } catch {
    return false;
  }
}

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
