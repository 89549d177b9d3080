// Ctrl-C while a CLI is still starting: it must exit 130 with its message, never die of the bare signal.
// Used for the CLI run from the sources and for the packed package's bundle.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How long Node takes here to run the first line of an ES module: the quickest of three (a busy machine makes single ones slow). */
async function firstLineMs(dir: string): Promise<number> {
  const probe = join(dir, 'first-line.mjs');
  writeFileSync(probe, "process.stdout.write('up')");
  let quickest = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c = spawn(process.execPath, [probe]);
    await new Promise((r) => c.stdout.once('data', r));
    quickest = Math.min(quickest, performance.now() - t0);
    await new Promise((r) => c.once('exit', r));
  }
  return quickest;
}

/**
 * SIGINT to `node bin quantize input` (one thread: it lasts about a second here) at 1.5 and 3 times the time
 * Node takes to run a module's first line, when the CLI's handler must already exist: whether the CLI is
 * still loading or has begun, it must exit 130 with its message and leave no output. A bare signal death is
 * tried once more, timed afresh (a load spike can hold up Node's own start past the aim; a missing handler
 * dies again).
 */
export async function assertInterruptedWhileStarting(bin: string, input: string, dir: string): Promise<void> {
  const out = join(dir, 'interrupted-while-starting.gguf');
  const args = ['quantize', input, '-o', out, '-t', 'Q4_K_M', '--threads', '1'];
  const attempt = async (delay: number) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGINT');
    const [code, signal] = await exited;
    return { code, signal, stderr };
  };
  let interrupted = 0;
  for (const [times, plus] of [[1.5, 20], [3, 50]] as const) {
    let delay = (await firstLineMs(dir)) * times + plus;
    let r = await attempt(delay);
    if (r.signal !== null) {
      delay = (await firstLineMs(dir)) * times + plus;
      r = await attempt(delay);
    }
    // a CLI that had already finished (0) is no test of the start-up, so at least one must be caught starting
    if (r.code === 0 && r.signal === null) {
      rmSync(out);
      continue;
    }
    assert.deepEqual([r.code, r.signal], [130, null], `SIGINT after ${delay.toFixed(0)} ms: ${r.stderr}`);
    assert.equal(r.stderr, 'quantsmith: interrupted; no output was written\n');
    assert.equal(existsSync(out), false, 'no output');
    interrupted++;
  }
  assert.ok(interrupted > 0, 'the CLI finished before either SIGINT');
}
