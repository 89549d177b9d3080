// The CLI reading models from the stand-in Hub as a user runs it (HF_ENDPOINT, HF_TOKEN, the login token
// file): outputs byte-identical to the local-file path and to llama.cpp, resumed after injected drops,
// clean refusals, an existing local path taking precedence, and the token never printed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CLI_BIN, SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile } from '../oracle/llama-cpp.ts';
import { startStandInHub } from '../fixtures/hub/stand-in-hub.ts';
import { GATED, GOOD_TOKEN, OTHER_TOKEN, PYDOC, PYDOC_GGUF_ONLY, PYDOC_SPLIT, QUANTIZED, SHARDED, WRITE_TOKEN, splitRepo, testRepos } from '../fixtures/hub/test-repos.ts';

const dir = scratchDir();
const { repos, shardedDir } = testRepos(dir);
const hub = await startStandInHub([...repos, await splitRepo(dir)]);
after(() => hub.close());
const home = join(dir, 'home');
mkdirSync(home);

/** The CLI as a child process; asynchronous, since the stand-in answers from this process. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: home, HF_ENDPOINT: hub.url, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function assertOneLineError(r: { status: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  assert.equal(r.status, 1, `exit status 1 expected, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  for (const t of [GOOD_TOKEN, OTHER_TOKEN]) assert.ok(!r.stderr.includes(t) && !r.stdout.includes(t), 'the token is never printed');
}

const oracleQ4 = join(dir, 'oracle-q4km.gguf');
assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, oracleQ4, { ftype: 15 }), 0);

test('a Hub GGUF quantizes to llama.cpp\'s bytes, resuming after connections dropped mid-body', async () => {
  hub.faults.dropMidBody = { times: 3, afterBytes: 300_000, pathIncludes: '/repos/' };
  const out = join(dir, 'hub-gguf-q4km.gguf');
  const r = await cli(['quantize', PYDOC_GGUF_ONLY, '-o', out, '-t', 'Q4_K_M', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(hub.faults.dropMidBody.times, 0, 'the drops happened');
  assert.ok(readFileSync(out).equals(readFileSync(oracleQ4)), 'output differs from llama.cpp');
  // a resumed drop costs nothing; what is fetched twice is read-ahead lost when the tensor order jumps (12% here)
  const downloaded = Number(/, ([\d.]+) MB downloaded/.exec(r.stdout)?.[1]);
  assert.ok(downloaded >= 10.5 && downloaded <= 12.2, `downloaded ${downloaded} MB of a 10.6 MB file`);
});

test('--publish uploads the output and a model card to a new private repository, byte for byte, through dropped uploads', async () => {
  hub.uploads.writers!.set(WRITE_TOKEN, 'me');
  hub.uploads.failPut = { times: 2, how: 'drop' };
  const out = join(dir, 'pydoc-Q4_K_M.gguf');
  const r = await cli(['quantize', PYDOC_GGUF_ONLY, '-o', out, '-t', 'Q4_K_M', '--threads', '1', '--publish', 'me/pydoc-GGUF', '--private'], { HF_TOKEN: WRITE_TOKEN });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(hub.uploads.failPut.times, 0, 'the drops happened');
  assert.match(r.stdout, new RegExp(`published pydoc-Q4_K_M\\.gguf to ${hub.url}/me/pydoc-GGUF \\(created, private\\): ${hub.url}/me/pydoc-GGUF/commit/[0-9a-f]{40}`));
  assert.deepEqual(hub.uploads.createdRepos.at(-1), { id: 'me/pydoc-GGUF', private: true });
  const commit = hub.uploads.commits.at(-1)!;
  assert.deepEqual(commit.files.map((f) => f.path).sort(), ['README.md', 'pydoc-Q4_K_M.gguf']);
  const received = commit.files.find((f) => f.path === 'pydoc-Q4_K_M.gguf')!.bytes;
  assert.ok(Buffer.from(received).equals(readFileSync(oracleQ4)), 'the Hub received llama.cpp\'s bytes');
  const card = new TextDecoder().decode(commit.files.find((f) => f.path === 'README.md')!.bytes);
  assert.match(card, /^---\nbase_model: "quantsmith-test\/pydoc-llama-5m-GGUF"\ntags:\n- gguf\n/);
  assert.match(card, new RegExp(`\\| Q4_K_M \\| 3\\.4 MB \\(${received.length} bytes\\) \\| \`${createHash('sha256').update(received).digest('hex')}\``));
  assert.match(card, /llama-quantize pydoc-llama-5m-F16\.gguf pydoc-Q4_K_M\.gguf Q4_K_M/);
  assert.ok(!r.stdout.includes(WRITE_TOKEN) && !r.stderr.includes(WRITE_TOKEN));
});

test('a GGUF split in two on the Hub quantizes to what llama.cpp makes of the split files (and of the unsplit one)', async () => {
  const theirs = join(dir, 'oracle-split-q4km.gguf');
  assert.equal(oracleQuantizeFile(join(dir, 'pydoc-llama-5m-F16-00001-of-00002.gguf'), theirs, { ftype: 15 }), 0);
  const out = join(dir, 'hub-split-q4km.gguf');
  const r = await cli(['quantize', PYDOC_SPLIT, '-o', out, '-t', 'Q4_K_M', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).equals(readFileSync(theirs)), 'output differs from llama.cpp on the split files');
  assert.ok(readFileSync(out).equals(readFileSync(oracleQ4)), 'and from llama.cpp on the unsplit file');
});

test('a Hub safetensors model (chosen with --hub-file) gives the bytes of the local folder, and so of llama.cpp', async () => {
  const out = join(dir, 'hub-st-q4km.gguf');
  const r = await cli(['quantize', `${hub.url}/${PYDOC}/tree/main`, '--hub-file', 'safetensors', '-o', out, '-t', 'Q4_K_M', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  // the F16 GGUF in ../shared is convert_hf_to_gguf.py's output for that folder
  assert.ok(readFileSync(out).equals(readFileSync(oracleQ4)), 'output differs from llama.cpp converting then quantizing');
});

test('a sharded safetensors repository equals its local folder, output for output', async () => {
  const hubOut = join(dir, 'sharded-hub.gguf');
  const localOut = join(dir, 'sharded-local.gguf');
  const [a, b] = await Promise.all([
    cli(['quantize', `${SHARDED}@main`, '-o', hubOut, '-t', 'Q8_0', '--threads', '1']),
    cli(['quantize', shardedDir, '-o', localOut, '-t', 'Q8_0', '--threads', '1']),
  ]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.ok(readFileSync(hubOut).equals(readFileSync(localOut)));
});

test('inspect reads only the header of a Hub model', async () => {
  const mark = hub.log.length;
  const r = await cli(['inspect', PYDOC_GGUF_ONLY]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /llama/);
  const sent = hub.log.slice(mark).reduce((n, q) => n + q.bytesSent, 0);
  // the GGUF reader's window is 1 MiB
  assert.ok(sent <= 1_100_000, `read ${sent} bytes of a 10.6 MB file`);
});

test('tokens: HF_TOKEN, the huggingface-cli login file, and what 401/403 say', async () => {
  const inspect = ['inspect', GATED];
  assertOneLineError(await cli(inspect), new RegExp(`${GATED} is a gated model: accept its licence at ${hub.url}/${GATED}, then set HF_TOKEN \\(or run huggingface-cli login\\)`));
  assertOneLineError(await cli(inspect, { HF_TOKEN: OTHER_TOKEN }), /this token cannot read .*gated-llama, a gated model: accept its licence/);
  assert.equal((await cli(inspect, { HF_TOKEN: GOOD_TOKEN })).status, 0);
  mkdirSync(join(home, '.cache', 'huggingface'), { recursive: true });
  writeFileSync(join(home, '.cache', 'huggingface', 'token'), `${GOOD_TOKEN}\n`);
  const viaFile = await cli(inspect);
  assert.equal(viaFile.status, 0, viaFile.stderr);
});

test('refusals: several candidates, a malformed endpoint, a name that is neither a local path nor a Hub id', async () => {
  const [several, endpoint, neither] = await Promise.all([
    cli(['inspect', PYDOC]),
    cli(['inspect', PYDOC_GGUF_ONLY], { HF_ENDPOINT: 'ftp://mirror' }),
    cli(['inspect', 'no-such-file.gguf']),
  ]);
  assertOneLineError(several, /holds 2 models Quantsmith can read; choose one with --hub-file: \*\.safetensors \(safetensors, 10\.5 MB\), pydoc-llama-5m-F16\.gguf \(GGUF F16, 10\.6 MB\)/);
  assertOneLineError(endpoint, /endpoint 'ftp:\/\/mirror' must be an http\(s\) URL/);
  assertOneLineError(neither, /no-such-file\.gguf: no such file or folder/);
});

test('an existing local path wins over a Hub id of the same name', async () => {
  mkdirSync(join(dir, 'quantsmith-test'), { recursive: true });
  copyFileSync(SHARED_F16_GGUF, join(dir, QUANTIZED));
  const mark = hub.log.length;
  const r = await cli(['inspect', QUANTIZED]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(hub.log.length, mark, 'the Hub was not asked');
});

test('Ctrl-C during a stalled download stops at once and leaves no output', async () => {
  hub.faults.stallMidBody = { times: 1, afterBytes: 1000, pathIncludes: '/repos/' };
  const out = join(dir, 'interrupted', 'x.gguf');
  mkdirSync(join(dir, 'interrupted'));
  const child = spawn(process.execPath, [CLI_BIN, 'quantize', PYDOC_GGUF_ONLY, '-o', out, '-t', 'Q8_0', '--threads', '1'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: home, HF_ENDPOINT: hub.url },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  while (hub.faults.stallMidBody.times > 0) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  child.kill('SIGINT');
  const status = await new Promise((r) => child.on('close', r));
  assert.equal(status, 130, stderr);
  assert.ok(performance.now() - t0 < 3000);
  assert.deepEqual(readdirSync(join(dir, 'interrupted')), []);
});
