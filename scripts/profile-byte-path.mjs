#!/usr/bin/env node
// Where the CPU goes when a model is quantized: the Node engine (in this process: process.cpuUsage covers
// its worker threads) and the browser's (the benchmark page in headless Chromium), each per job, in CPU
// seconds (user + sys) rather than wall time, since the machine is shared. For Chromium it also splits the
// CPU by process kind and thread name (CrRendererMain = the page's main thread, DedicatedWorker = the
// kernel workers, the browser process's threads = file reads), sampled from /proc while the job runs.
//
//   node --import tsx scripts/profile-byte-path.mjs [--layers=4] [--types=Q8_0,Q4_K_M] [--threads=2] [--legs=node,browser,read] [--runs=1]
//
// The model (TinyLlama's widths, fewer layers) and the page are built into QUANTSMITH_BENCH_CACHE
// (default ~/.cache/quantsmith-bench; set it to a folder of your own if someone else benchmarks meanwhile).
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const layers = Number(args.layers ?? 4);
const types = (args.types ?? 'Q8_0,Q4_K_M').split(',');
const threads = Number(args.threads ?? 2);
const legs = (args.legs ?? 'node,browser,read').split(',');
const runs = Number(args.runs ?? 1);

const { BENCH_MODELS, ensureBenchModel } = await import('./bench/model.ts');
const spec = { ...BENCH_MODELS.base, id: `profile-${layers}l-f16`, nLayer: layers, seed: 13 };
const model = ensureBenchModel(spec, console.log);
const modelBytes = (await import('node:fs')).statSync(model).size;
console.log(`model ${model}: ${(modelBytes / 1e6).toFixed(0)} MB, ${threads} workers`);

const ticks = 100;
function threadTimes(pid) {
  const out = [];
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ tid, comm, cpu: (Number(f[11]) + Number(f[12])) / ticks });
    } catch {}
  }
  return out;
}

if (legs.includes('node')) {
  const { openGgufModel } = await import('../web/src/core/engine/gguf-source.ts');
  const { runJob } = await import('../web/src/core/engine/run-job.ts');
  const { openNodeFile } = await import('../web/src/io/node-file.ts');
  const { createNodeFileSink } = await import('../web/src/io/node-sink.ts');
  const { createNodePool } = await import('../web/src/workers/node-pool.ts');
  const { loadWasmModuleFromDisk } = await import('../web/src/io/node-wasm.ts');
  const wasm = await loadWasmModuleFromDisk();
  for (const ftype of types) {
    for (let r = 0; r < runs; r++) {
      const out = join(tmpdir(), `profile-node-${process.pid}.gguf`);
      const pool = createNodePool(wasm, threads);
      const before = process.cpuUsage();
      const t0 = performance.now();
      const source = await openGgufModel(await openNodeFile(model));
      const sink = await createNodeFileSink(out);
      await runJob(source, [{ options: { ftype }, sink }], pool);
      await source.close();
      const cpu = process.cpuUsage(before);
      const wall = (performance.now() - t0) / 1000;
      pool.close();
      rmSync(out, { force: true });
      console.log(`node    ${ftype.padEnd(7)} cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, sys ${(cpu.system / 1e6).toFixed(2)})  wall ${wall.toFixed(2)} s`);
    }
  }
}

if (legs.includes('browser')) {
  const { BrowserBench } = await import('./bench/browser-leg.ts');
  const { descendants, cmdline } = await import('./bench/proc-memory.ts');
  const bench = await BrowserBench.start();
  try {
    const jobs = [...types.map((t) => ['quantize', t]), ...(legs.includes('read') ? [['readOnly', 'read']] : [])];
    for (const [kind, ftype] of jobs) {
      for (let r = 0; r < runs; r++) {
        const last = new Map(); // pid:tid → { kind, comm, first, last }
        const sample = () => {
          for (const p of descendants(process.pid).filter((x) => /chrom/i.test(x.comm))) {
            const role = (/--type=(\w+)/.exec(cmdline(p.pid)) ?? [, 'browser'])[1];
            for (const t of threadTimes(p.pid)) {
              const key = `${p.pid}:${t.tid}`;
              const e = last.get(key);
              if (e) e.last = t.cpu;
              else last.set(key, { role, comm: t.comm, first: t.cpu, last: t.cpu, born: sampling });
            }
          }
        };
        let sampling = false;
        sample();
        sampling = true;
        const timer = setInterval(sample, 100);
        const m = kind === 'quantize' ? await bench.quantize(model, ftype, threads) : await bench.readOnly(model);
        clearInterval(timer);
        sample();
        const groups = new Map();
        for (const e of last.values()) {
          const used = e.last - (e.born ? 0 : e.first);
          if (used <= 0) continue;
          const name = `${e.role}/${e.comm.replace(/\d+$/, '')}`;
          groups.set(name, (groups.get(name) ?? 0) + used);
        }
        const split = [...groups].sort((a, b) => b[1] - a[1]).filter(([, s]) => s >= 0.05).map(([n, s]) => `${n} ${s.toFixed(2)}`).join(', ');
        console.log(`chrome  ${ftype.padEnd(7)} cpu ${m.cpuSeconds.toFixed(2)} s  wall ${m.seconds.toFixed(2)} s  renderer rss ${(m.renderer.rss / 2 ** 20).toFixed(0)} MiB  others ${m.othersCores.toFixed(2)} cores`);
        console.log(`        ${split}`);
      }
    }
  } finally {
    await bench.close();
  }
}
