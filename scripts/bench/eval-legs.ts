// The evaluator benchmark's two programs, each run as people run it and measured from outside by runProcess
// (wall-clock from start to exit, CPU seconds and the kernel's peak RSS from GNU time): llama.cpp's
// `llama-perplexity` and Quantsmith's `quantsmith perplexity`, on the same model, text, n_ctx and chunks.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessRun } from './run-process.ts';

const CLI = join(fileURLToPath(new URL('../../', import.meta.url)), 'web', 'src', 'cli', 'bin.mjs');

export interface PerplexityJob {
  readonly model: string;
  readonly text: string;
  readonly nCtx: number;
  readonly chunks: number;
  readonly threads: number;
}

export interface PerplexityRun extends ProcessRun {
  readonly ppl: number;
  readonly pplError: number;
}

function figure(run: ProcessRun, pattern: RegExp, program: string): PerplexityRun {
  const m = pattern.exec(`${run.stdout}\n${run.stderr}`);
  if (!m) throw new Error(`${program} printed no perplexity:\n${(run.stderr || run.stdout).trim().split('\n').slice(-5).join('\n')}`);
  return { ...run, ppl: Number(m[1]), pplError: Number(m[2]) };
}

/** llama-perplexity -m MODEL -f TEXT -c N --chunks K -t T (its other settings at their defaults, warm-up included) */
export async function runLlamaPerplexity(bin: string, job: PerplexityJob, log: (line: string) => void): Promise<PerplexityRun> {
  const args = ['-m', job.model, '-f', job.text, '-c', String(job.nCtx), '--chunks', String(job.chunks), '-t', String(job.threads)];
  const final = /Final estimate: PPL = ([\d.]+) \+\/- ([\d.]+)/;
  let run = await runProcess(bin, args);
  if (!final.test(run.stderr)) {
    // once, on a loaded machine, a run that exited with 0 had lost the end of its (asynchronously written) log
    log(`  llama-perplexity exited without its final line; running it once more`);
    run = await runProcess(bin, args);
  }
  return figure(run, final, 'llama-perplexity');
}

/** quantsmith perplexity -m MODEL -f TEXT -c N --chunks K --threads T */
export async function runOurPerplexity(job: PerplexityJob): Promise<PerplexityRun> {
  const run = await runProcess(process.execPath, [
    CLI, 'perplexity', '-m', job.model, '-f', job.text, '-c', String(job.nCtx), '--chunks', String(job.chunks), '--threads', String(job.threads),
  ]);
  return figure(run, /PPL = ([\d.]+) \+\/- ([\d.]+) over/, 'quantsmith perplexity');
}
