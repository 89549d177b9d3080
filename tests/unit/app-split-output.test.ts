// Split outputs in the app: the preset's split fields (link, JSON, command lines), the names a split output's
// files get and the folder question about them, the run session writing each shard through its own sink
// (committed together, every one dropped on cancel, failure or leaving), and the Hub's per-file limit
// before a run and at publishing (with a small limit: tests cannot make 50 GB).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inThreadHashApi } from '../helpers/in-thread-sha256.ts';
import { CancelledError } from '../../web/src/core/errors.ts';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import type { ChosenOutput, NameOutputs } from '../../web/src/io/browser-pickers.ts';
import type { OutputSink } from '../../web/src/io/browser-sinks.ts';
import { boundedHasher } from '../../web/src/app/run/stream-hasher.ts';
import { runOutputs, type RunDeps, type FinishedRun } from '../../web/src/app/run/run-session.ts';
import type { RunState } from '../../web/src/app/run/run-state.ts';
import type { TypeOutlook } from '../../web/src/app/plan/type-plans.ts';
import { checkPreset, DEFAULT_PRESET, PresetError, toQuantizeOptions, type Preset } from '../../web/src/app/presets/preset.ts';
import { decodePresetLink, encodePresetLink } from '../../web/src/app/presets/preset-url.ts';
import { exportPresets, importPresets } from '../../web/src/app/presets/preset-json.ts';
import { llamaQuantizeCommand, quantsmithCommand } from '../../web/src/app/run/command-lines.ts';
import { decideOutputFiles } from '../../web/src/app/run/output-conflicts.ts';
import { splitMode, withSplit } from '../../web/src/app/run/split-choice.ts';
import { historyOutputs } from '../../web/src/app/state/history-store.ts';
import { oversizedForHub, publishRefusal, splitForHub } from '../../web/src/app/hub/hub-size.ts';
import { publishCard, publishRun } from '../../web/src/app/hub/publish-run.ts';
import { HUB_SPLIT_MAX_SIZE } from '../../web/src/core/hub/hub-file-limit.ts';

test('the split fields survive the link and JSON in canonical form, reach the engine in bytes, and are checked', () => {
  const p = checkPreset({ ...DEFAULT_PRESET, splitMaxSize: ' 0100M' });
  assert.equal(p.splitMaxSize, '100M');
  assert.equal(toQuantizeOptions(p, 'Q8_0').splitMaxSize, 100e6);
  const link = encodePresetLink(p);
  assert.match(link, /&split-max-size=100M$/);
  assert.deepEqual((decodePresetLink(link) as { preset: Preset }).preset, p);
  const t = checkPreset({ ...DEFAULT_PRESET, splitMaxTensors: 20 }, 'json'); // a number in JSON is fine
  assert.equal(t.splitMaxTensors, '20');
  assert.equal(toQuantizeOptions(t, 'Q8_0').splitMaxTensors, 20);
  assert.deepEqual(importPresets(exportPresets([{ name: 'split', preset: t }]))[0].preset, t);
  assert.equal(encodePresetLink(checkPreset({ ...DEFAULT_PRESET, keepSplit: true })), 'type=Q4_K_M&keep-split');
  assert.throws(() => checkPreset({ ...DEFAULT_PRESET, splitMaxSize: '0M' }), (e: unknown) => e instanceof PresetError && /size must be a positive value/.test(e.message));
  assert.throws(() => checkPreset({ ...DEFAULT_PRESET, splitMaxSize: '10K' }), /supported units are M \(megabytes\) or G/);
  assert.throws(() => checkPreset({ ...DEFAULT_PRESET, splitMaxTensors: '0' }), /at least 1/);
  const bad = decodePresetLink('type=Q8_0&split-max-tensors=x');
  assert.equal(bad.kind, 'malformed');
});

test('the editor\'s choice is exclusive: one file, by size, by count, or kept shards', () => {
  const bySize = withSplit({ ...DEFAULT_PRESET, splitMaxTensors: '3', keepSplit: true }, 'size', '2G', '');
  assert.deepEqual([bySize.splitMaxSize, bySize.splitMaxTensors, bySize.keepSplit], ['2G', undefined, false]);
  assert.equal(splitMode(bySize), 'size');
  assert.equal(splitMode(withSplit(bySize, 'keep', '', '')), 'keep');
  assert.equal(splitMode(withSplit(bySize, 'single', '', '')), 'single');
});

test('llama.cpp\'s command for a split output is llama-quantize then llama-gguf-split --split; ours takes the flag', () => {
  const p = checkPreset({ ...DEFAULT_PRESET, splitMaxSize: '49G' });
  assert.equal(llamaQuantizeCommand('m-F16.gguf', 'm-Q8_0.gguf', 'Q8_0', p),
    'llama-quantize m-F16.gguf m-Q8_0.gguf Q8_0\nllama-gguf-split --split --split-max-size 49G m-Q8_0.gguf m-Q8_0');
  assert.equal(quantsmithCommand('m-F16.gguf', 'm-Q8_0.gguf', 'Q8_0', p), 'npx quantsmith quantize m-F16.gguf -o m-Q8_0.gguf -t Q8_0 --split-max-size 49G');
  assert.equal(llamaQuantizeCommand('m-F16.gguf', 'm-Q8_0.gguf', 'Q8_0', { ...p, splitMaxSize: undefined, keepSplit: true }), 'llama-quantize --keep-split m-F16.gguf m-Q8_0.gguf Q8_0');
});

test('the folder question names every shard; keep both renames a split output as a whole', async () => {
  const wanted = [{ name: 'm-Q8_0.gguf', shards: 2 }, { name: 'm-Q4_K_M.gguf' }];
  assert.deepEqual(await decideOutputFiles(wanted, new Set(), async () => assert.fail('asked')),
    [['m-Q8_0-00001-of-00002.gguf', 'm-Q8_0-00002-of-00002.gguf'], ['m-Q4_K_M.gguf']]);
  let asked: readonly string[] = [];
  const existing = new Set(['m-Q8_0-00002-of-00002.gguf', 'm-Q8_0 (1)-00001-of-00002.gguf']);
  const kept = await decideOutputFiles(wanted, existing, async (c) => ((asked = c), 'keep-both'));
  assert.deepEqual(asked, ['m-Q8_0-00002-of-00002.gguf']);
  assert.deepEqual(kept, [['m-Q8_0 (2)-00001-of-00002.gguf', 'm-Q8_0 (2)-00002-of-00002.gguf'], ['m-Q4_K_M.gguf']]);
  assert.deepEqual((await decideOutputFiles(wanted, existing, async () => 'replace'))?.[0], ['m-Q8_0-00001-of-00002.gguf', 'm-Q8_0-00002-of-00002.gguf']);
  assert.equal(await decideOutputFiles(wanted, existing, async () => 'cancel'), null);
});

// ---- the run session ------------------------------------------------------------------------------------

interface FakeSink extends OutputSink { name: string; events: string[]; bytes: number[] }

const source = { sizeBytes: 100, name: 'm-F16.gguf', format: 'gguf' } as unknown as ModelSource;
/** Q8_0 planned as 3 shards of 4, 3 and 5 bytes; Q4_K_M as one file of 2 */
const plans = new Map<string, TypeOutlook>([
  ['Q8_0', { ok: true, size: 12, bitsPerWeight: 8, plan: { tensors: [] }, fileSizes: [4, 3, 5], namedAsShards: true, copiesOnly: false, needsRequantize: false } as unknown as TypeOutlook],
  ['Q4_K_M', { ok: true, size: 2, bitsPerWeight: 4, plan: { tensors: [] }, fileSizes: [2], namedAsShards: false, copiesOnly: false, needsRequantize: false } as unknown as TypeOutlook],
]);
const request = { source, fileName: 'm-F16.gguf', preset: { ...DEFAULT_PRESET, types: ['Q8_0', 'Q4_K_M'], splitMaxTensors: '1' }, plans };
const bytesOf = (n: number, from: number) => Uint8Array.from({ length: n }, (_, i) => from + i);

function harness(over: Partial<RunDeps> & { existing?: string[] } = {}) {
  const states: RunState[] = [];
  const sinks: FakeSink[] = [];
  let asked: readonly string[] | undefined;
  const page = new EventTarget();
  const deps: RunDeps = {
    async chooseOutputs(names, nameOutputs: NameOutputs) {
      asked = names;
      const final = await nameOutputs(names, new Set(over.existing ?? []));
      if (!final) throw new DOMException('no', 'AbortError');
      return final.map((fileName): ChosenOutput => {
        const events: string[] = [];
        const bytes: number[] = [];
        const sink: FakeSink = {
          name: fileName, events, bytes,
          write: async (d) => void (events.push('write'), bytes.push(...d)),
          commit: async () => void events.push('commit'),
          abort: async () => void events.push('abort'),
          abandon: () => void events.push('abandon'),
        };
        sinks.push(sink);
        return { fileName, sink, location: `${fileName} in out`, readBack: async () => new Blob([Uint8Array.from(bytes)]) };
      });
    },
    askAboutClash: async () => 'replace',
    pool: async () => ({}) as never,
    // the engine writes each output's bytes back to back (the shards' headers among them) and commits
    runJob: (async (_s: unknown, outputs: Parameters<RunDeps['runJob']>[1]) => {
      let at = 0;
      for (const o of outputs) {
        const n = o.options.ftype === 'Q8_0' ? 12 : 2;
        await o.sink.write(bytesOf(Math.min(n, 7), at));
        if (n > 7) await o.sink.write(bytesOf(n - 7, at + 7));
        at += n;
      }
      for (const o of outputs) await o.sink.commit();
      return { outputs: outputs.map((o) => ({ size: o.options.ftype === 'Q8_0' ? 12 : 2, plan: { tensors: [] } })), seconds: 0.5, sourceBytes: 100 };
    }) as unknown as RunDeps['runJob'],
    page,
    show: (s) => void states.push(s),
    announce: () => {},
    hasher: () => boundedHasher(inThreadHashApi()),
    ...over,
  };
  return { deps, states, sinks, page, asked: () => asked };
}

const sha = (bytes: number[]) => createHash('sha256').update(Uint8Array.from(bytes)).digest('hex');

test('a split output goes to a folder as its shards, each cut at its planned size, listed with its size and SHA-256', async () => {
  const h = harness();
  const done = (await runOutputs(request, h.deps, new AbortController()))!;
  assert.deepEqual(h.asked(), ['m-Q8_0-00001-of-00003.gguf', 'm-Q8_0-00002-of-00003.gguf', 'm-Q8_0-00003-of-00003.gguf', 'm-Q4_K_M.gguf']);
  assert.deepEqual(h.sinks.map((s) => s.bytes), [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9, 10, 11], [12, 13]]);
  assert.deepEqual(h.sinks.map((s) => s.events.at(-1)), ['commit', 'commit', 'commit', 'commit']);
  const [q8, q4] = done.outputs;
  assert.equal(q8.fileName, 'm-Q8_0-00001-of-00003.gguf');
  assert.equal(q8.split?.outputName, 'm-Q8_0.gguf');
  assert.deepEqual(q8.split?.shards.map((f) => [f.fileName, f.size, f.sha256]), h.sinks.slice(0, 3).map((s) => [s.name, s.bytes.length, sha(s.bytes)]));
  assert.equal(q8.readBack, undefined, 'a split output is read back shard by shard');
  assert.equal(q4.split, undefined);
  assert.equal(q4.sha256, sha([12, 13]));
  const history = historyOutputs(done.outputs);
  assert.deepEqual(history[0].shards?.map((f) => f.fileName), ['m-Q8_0-00001-of-00003.gguf', 'm-Q8_0-00002-of-00003.gguf', 'm-Q8_0-00003-of-00003.gguf']);
  assert.equal(history[1].shards, undefined);
  assert.doesNotThrow(() => structuredClone(history), 'the history entry is storable');
});

test('cancel, failure and leaving the page drop every shard; nothing is committed', async () => {
  const cancelled = new AbortController();
  const c = harness({ runJob: (async (_s, outputs, _p, o) => {
    await outputs[0].sink.write(bytesOf(6, 0)); // into the second shard
    cancelled.abort();
    if (o?.signal?.aborted) {
      for (const out of outputs) await out.sink.abort();
      throw new CancelledError();
    }
    throw new Error('not cancelled');
  }) as RunDeps['runJob'] });
  await runOutputs(request, c.deps, cancelled);
  assert.equal(c.states.at(-1)?.kind, 'cancelled');
  for (const s of c.sinks) assert.deepEqual(s.events.filter((e) => e !== 'write'), ['abort'], s.name);

  const failed = harness({ runJob: (async (_s, outputs) => {
    for (const out of outputs) await out.sink.abort();
    throw new Error('disk full');
  }) as RunDeps['runJob'] });
  await runOutputs(request, failed.deps, new AbortController());
  assert.equal(failed.states.at(-1)?.kind, 'failed');
  for (const s of failed.sinks) assert.ok(!s.events.includes('commit'), s.name);

  const left = harness({ runJob: (async (_s, _o, _p, o) => {
    left.page.dispatchEvent(new Event('pagehide'));
    if (o?.signal?.aborted) throw new CancelledError();
    throw new Error('not stopped');
  }) as RunDeps['runJob'] });
  await runOutputs(request, left.deps, new AbortController());
  assert.deepEqual(left.sinks.map((s) => s.events), [['abandon'], ['abandon'], ['abandon'], ['abandon']]);
});

test('Cancel before the job starts aborts every shard\'s file', async () => {
  const abort = new AbortController();
  const h = harness({ pool: async () => (abort.abort(), {}) as never });
  await runOutputs(request, h.deps, abort);
  assert.deepEqual(h.sinks.map((s) => s.events), [['abort'], ['abort'], ['abort'], ['abort']]);
});

// ---- the Hub's per-file limit ---------------------------------------------------------------------------

test('before a run: the types with a file over the limit are named, and the fix splits at the Hub\'s size', () => {
  const preset = { ...DEFAULT_PRESET, types: ['Q8_0', 'Q4_K_M'] };
  assert.deepEqual(oversizedForHub(plans, preset, 4), [{ type: 'Q8_0', largest: 5, split: true }]);
  assert.deepEqual(oversizedForHub(plans, preset, 1).map((t) => t.type), ['Q8_0', 'Q4_K_M']);
  assert.deepEqual(oversizedForHub(plans, preset), [], 'the Hub\'s own limit');
  const fixed = splitForHub({ ...preset, splitMaxTensors: '4', keepSplit: true });
  assert.deepEqual([fixed.splitMaxSize, fixed.splitMaxTensors, fixed.keepSplit], [HUB_SPLIT_MAX_SIZE, undefined, false]);
  assert.equal(checkPreset(fixed).splitMaxSize, '49G');
});

test('publishing refuses an unsplit output over the limit, saying why and what to do, before any request', async () => {
  const h = harness();
  const done = (await runOutputs(request, h.deps, new AbortController())) as FinishedRun;
  assert.equal(publishRefusal(done.outputs, 5), null, 'every shard and file within 5 bytes');
  const refusal = publishRefusal(done.outputs, 4)!;
  assert.match(refusal, /^Q8_0 cannot be published: its shard m-Q8_0-00003-of-00003\.gguf is 5 B/);
  assert.match(publishRefusal(done.outputs, 1)!, /^Q8_0 cannot be published/);
  const unsplit = publishRefusal([done.outputs[1]], 1)!;
  assert.match(unsplit, /^Q4_K_M cannot be published: m-Q4_K_M\.gguf is 2 B, and the Hub takes files of at most 1 B\. Quantize it again split into shards \(Advanced options → Output files → Split by size, 49G\)/);
  let fetched = false;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async () => { fetched = true; throw new Error('no network'); }) as typeof fetch;
  try {
    await assert.rejects(publishRun(done, undefined, { repo: 'me/m', private: false, endpoint: 'http://127.0.0.1:9', token: 'hf_x' }, 1), /Q8_0 cannot be published/);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.equal(fetched, false);
});

test('the model card lists every shard of a split output with its size and SHA-256', async () => {
  const h = harness();
  const done = (await runOutputs(request, h.deps, new AbortController())) as FinishedRun;
  const card = publishCard(done, undefined, 'me/m-GGUF');
  for (const f of done.outputs[0].split!.shards) {
    assert.ok(card.includes(f.fileName), f.fileName);
    assert.ok(card.includes(f.sha256), f.sha256);
  }
  assert.match(card, /llama-gguf-split --split --split-max-tensors 1 m-Q8_0\.gguf m-Q8_0/);
});

// ---- the folder's files when the last shard cannot be committed ----------------------------------------

test('a shard whose commit fails takes the shards committed before it away again (files this run created)', async () => {
  const { folderFileSink } = await import('../../web/src/io/browser-sinks.ts');
  const { shardedSink } = await import('../../web/src/core/engine/sharded-sink.ts');
  const entries = new Map<string, string>([['keep.gguf', 'theirs']]);
  const dir = {
    async getFileHandle(name: string, o?: { create?: boolean }) {
      if (!entries.has(name)) {
        if (!o?.create) throw new DOMException('no', 'NotFoundError');
        entries.set(name, '');
      }
      return {
        name,
        async createWritable() {
          let staged = '';
          return {
            write: async (d: Uint8Array) => void (staged += String.fromCharCode(...d)),
            close: async () => {
              if (name.startsWith('m-Q8_0-00003')) throw new DOMException('the disk is full', 'QuotaExceededError');
              entries.set(name, staged);
            },
            abort: async () => {},
          };
        },
      };
    },
    async removeEntry(name: string) {
      entries.delete(name);
    },
  } as unknown as FileSystemDirectoryHandle;
  const names = [1, 2, 3].map((i) => `m-Q8_0-0000${i}-of-00003.gguf`);
  const files = await Promise.all(names.map((n) => folderFileSink(dir, n)));
  const sink = shardedSink([2, 2, 2], files);
  await sink.write(bytesOf(6, 65));
  await assert.rejects(sink.commit(), /disk is full/);
  assert.equal(entries.get(names[0]), 'AB', 'the first shard was committed');
  await sink.abort(); // what the engine does when a commit fails
  assert.deepEqual([...entries.keys()], ['keep.gguf'], 'no shard left under its name');
});

test('a shard\'s hash worker starts with its first byte and finishes with its last', async () => {
  const { shardHasher } = await import('../../web/src/app/run/shard-hasher.ts');
  const log: string[] = [];
  const make = () => {
    log.push('start');
    return boundedHasher(inThreadHashApi(), () => void log.push('end'));
  };
  const h = shardHasher(make, 5);
  assert.deepEqual(log, [], 'no worker before the shard\'s first byte');
  await h.update(bytesOf(3, 0));
  assert.deepEqual(log, ['start']);
  await h.update(bytesOf(2, 3));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(log, ['start', 'end'], 'finished as soon as the shard is complete');
  assert.equal(await h.digest(), sha([0, 1, 2, 3, 4]));
});
