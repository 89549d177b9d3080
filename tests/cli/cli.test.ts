// The CLI twin as a user runs it: a real process, real files, exit codes and messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync, statSync, copyFileSync, openSync, readSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { toOracleOptions } from '../oracle/plan-support.ts';
import { oracleQuantizeFile } from '../oracle/llama-cpp.ts';
import { writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { assertInterruptedWhileStarting } from '../helpers/startup-interrupt.ts';

const dir = scratchDir();

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const inputHash = sha(SHARED_F16_GGUF);
/** ~130 MB of F16 weights: with one thread and a slow type a run lasts seconds, long enough to interrupt midway */
const BIG_MODEL = { id: 'big', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 1024, nHead: 8, nHeadKv: 4, nFf: 2816, nVocab: 8192, seed: 11 } as const;

function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp) {
  assert.equal(r.status, 1, `exit status 1 expected, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

/** Nothing that looks like a finished or partial output is left in `folder` apart from `allowed`. */
function assertOnlyFiles(folder: string, allowed: string[]) {
  assert.deepEqual(readdirSync(folder).sort(), [...allowed].sort());
}

test('quantize Q4_K_M writes exactly the bytes llama.cpp writes, and a one-line summary', () => {
  const work = join(dir, 'q4km');
  spawnSync('mkdir', ['-p', work]);
  const ours = join(work, 'ours.gguf');
  const theirs = join(dir, 'oracle-q4km.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, theirs, { ftype: 15 }), 0);
  const r = cli('quantize', SHARED_F16_GGUF, '-o', ours, '-t', 'Q4_K_M', '--threads', '2');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(ours).equals(readFileSync(theirs)), 'output differs from llama.cpp');
  assert.equal(statSync(ours).size, 3439680, 'size listed in the model README');
  const summary = r.stdout.trim().split('\n');
  assert.equal(summary.length, 1);
  assert.match(summary[0], /ours\.gguf: 3\.44 MB Q4_K_M, 32\.5% of 10\.6 MB .* in .* MB\/s/);
  assertOnlyFiles(work, ['ours.gguf']);
  assert.equal(sha(SHARED_F16_GGUF), inputHash, 'input untouched');
});

test('a Hugging Face folder quantizes in one step to the bytes of llama.cpp converting then quantizing', () => {
  const ours = join(dir, 'from-folder.gguf');
  const theirs = join(dir, 'oracle-q4km-of-converter-output.gguf');
  // the F16 GGUF beside the folder is convert_hf_to_gguf.py's output for it
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, theirs, { ftype: 15 }), 0);
  const r = cli('quantize', SHARED_MODEL_DIR, '-o', ours, '-t', 'Q4_K_M');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(ours).equals(readFileSync(theirs)), 'output differs from llama.cpp');
});

test('one file of a Hugging Face folder, or a folder that is not a model, is refused by name', () => {
  assertOneLineError(cli('inspect', join(SHARED_MODEL_DIR, 'model.safetensors')), /one file of a Hugging Face model; give its folder/);
  const empty = join(dir, 'not-a-model');
  spawnSync('mkdir', ['-p', empty]);
  writeFileSync(join(empty, 'notes.txt'), 'hello');
  assertOneLineError(cli('quantize', empty, '-o', join(dir, 'z.gguf'), '-t', 'Q8_0'), /not a Hugging Face model folder/);
});

test('--dry-run prints the plan and the exact size, and writes nothing', () => {
  const out = join(dir, 'dry.gguf');
  const r = cli('quantize', SHARED_F16_GGUF, '-o', out, '-t', 'Q5_K_M', '--dry-run');
  assert.equal(r.status, 0, r.stderr);
  // Q5_K_M gives attn_v more bits in some layers only (llama.cpp's use_more_bits: layers 2 and 3 of 4)
  assert.match(r.stdout, /^blk\.0\.attn_v\.weight\s+\[256, 128\]\s+f16\s+-> q5_K$/m);
  assert.match(r.stdout, /^blk\.3\.attn_v\.weight\s+\[256, 128\]\s+f16\s+-> q6_K$/m);
  assert.match(r.stdout, /^output_norm\.weight\s+\[256\]\s+f32\s+-> f32$/m);
  assert.match(r.stdout, /Q5_K_M: 3906624 bytes/);
  assert.equal(existsSync(out), false);
});

test('inspect prints the metadata and the tensor table', () => {
  const r = cli('inspect', SHARED_F16_GGUF);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /general\.architecture\s+string\s+"llama"/);
  assert.match(r.stdout, /llama\.block_count\s+uint32\s+4/);
  assert.match(r.stdout, /tokenizer\.ggml\.tokens\s+array<string>\s+\["<unk>", "<s>", "<\/s>",.*4096 items\]/);
  assert.match(r.stdout, /blk\.0\.ffn_down\.weight\s+\[768, 256\]\s+f16\s+393216/);
  assert.match(r.stdout, /39 tensors, [\d,]+ parameters/);
});

test('usage errors exit with status 2 and show the usage', () => {
  for (const args of [[], ['quantize'], ['quantize', SHARED_F16_GGUF, '-o', 'x.gguf'], ['quantize', SHARED_F16_GGUF, '-t', 'Q8_0'], ['frobnicate'], ['quantize', SHARED_F16_GGUF, '-o', 'x.gguf', '-t', 'Q8_0', '--bogus'], ['quantize', SHARED_F16_GGUF, '-o', 'x.gguf', '-t', 'Q8_0', '--threads', 'two']]) {
    const r = cli(...args);
    if (args.length === 0) {
      assert.equal(r.status, 0); // bare command prints help
      assert.match(r.stdout, /usage:/);
      continue;
    }
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage:/);
  }
  assert.equal(existsSync(join(dir, 'x.gguf')), false);
});

test('--include-weights / --exclude-weights change nothing without an importance matrix; both at once are refused', () => {
  const plain = join(dir, 'plain-q8.gguf');
  const included = join(dir, 'included-q8.gguf');
  assert.equal(cli('quantize', SHARED_F16_GGUF, '-o', plain, '-t', 'Q8_0').status, 0);
  const r = cli('quantize', SHARED_F16_GGUF, '-o', included, '-t', 'Q8_0', '--include-weights', 'attn_v', '--include-weights', 'ffn_down');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(included).equals(readFileSync(plain)));
  const both = cli('quantize', SHARED_F16_GGUF, '-o', join(dir, 'both.gguf'), '-t', 'Q8_0', '--include-weights', 'a', '--exclude-weights', 'b');
  assertOneLineError(both, /include.*exclude|exclude.*include/i);
});

test('--imatrix: Q2_K_S with the shared importance matrix is byte for byte llama-quantize; a bad or foreign imatrix is refused', async () => {
  const ours = join(dir, 'q2ks-imatrix.gguf');
  const theirs = join(dir, 'oracle-q2ks-imatrix.gguf');
  const options = { ftype: 'Q2_K_S', imatrixFile: SHARED_IMATRIX_GGUF, imatrix: await readImatrix(await openNodeFile(SHARED_IMATRIX_GGUF)) };
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, theirs, toOracleOptions(options)), 0);
  const r = cli('quantize', SHARED_F16_GGUF, '-o', ours, '-t', 'Q2_K_S', '--imatrix', SHARED_IMATRIX_GGUF);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(ours).equals(readFileSync(theirs)), 'output differs from llama.cpp');

  const truncated = badFile('cut.imatrix', readFileSync(SHARED_IMATRIX_DAT).subarray(0, 1000));
  const cut = cli('quantize', SHARED_F16_GGUF, '-o', join(dir, 'cut.gguf'), '-t', 'Q4_K_M', '--imatrix', truncated);
  assertOneLineError(cut, /importance matrix cut\.imatrix: file is truncated/);
  assert.equal(existsSync(join(dir, 'cut.gguf')), false);

  const other = join(dir, 'other-model.gguf');
  writeSyntheticModel(other, { id: 'other', arch: 'llama', dtype: 'f16', nLayer: 2, nEmbd: 128, nHead: 4, nHeadKv: 4, nFf: 256, nVocab: 256, seed: 3 });
  const foreign = cli('quantize', other, '-o', join(dir, 'foreign.gguf'), '-t', 'Q4_K_M', '--imatrix', SHARED_IMATRIX_GGUF);
  assertOneLineError(foreign, /imatrix size 256 is different from tensor size 128 for blk\.0\.attn_k\.weight/);
  assert.equal(existsSync(join(dir, 'foreign.gguf')), false);
});

test('--tensor-type-file: its entries take their place among --tensor-type options, as llama-quantize reads them', () => {
  const file = join(dir, 'types.txt');
  writeFileSync(file, 'ATTN_V=q8_0\n  ffn_down=q6_K\tblk\\.0\\..*=f16\n\n');
  const ours = join(dir, 'tt-file.gguf');
  const theirs = join(dir, 'oracle-tt-file.gguf');
  const r = cli('quantize', SHARED_F16_GGUF, '-o', ours, '-t', 'Q4_0', '--tensor-type', 'attn_q=q5_0', '--tensor-type-file', file, '--tensor-type', 'attn_v=q4_1');
  assert.equal(r.status, 0, r.stderr);
  // order: attn_q, the file's three (names lowercased), then attn_v=q4_1, which the file's attn_v shadows
  const tensorTypes = [['attn_q', 6], ['attn_v', 8], ['ffn_down', 14], ['blk\\.0\\..*', 1], ['attn_v', 3]].map(([pattern, type]) => ({ pattern: pattern as string, type: type as number }));
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, theirs, { ftype: 2, tensorTypes }), 0);
  assert.ok(readFileSync(ours).equals(readFileSync(theirs)), 'output differs from llama.cpp');

  writeFileSync(file, 'attn_v=q8_0 ffn_down');
  assertOneLineError(cli('quantize', SHARED_F16_GGUF, '-o', join(dir, 'tt-bad.gguf'), '-t', 'Q4_0', '--tensor-type-file', file), /types\.txt: malformed tensor type 'ffn_down'/);
  assertOneLineError(cli('quantize', SHARED_F16_GGUF, '-o', join(dir, 'tt-bad.gguf'), '-t', 'Q4_0', '--tensor-type-file', join(dir, 'nope.txt')), /failed to open file '.*nope\.txt': no such file/);
  assert.equal(existsSync(join(dir, 'tt-bad.gguf')), false);
});

test('an unknown quant type is refused by name', () => {
  const r = cli('quantize', SHARED_F16_GGUF, '-o', join(dir, 'y.gguf'), '-t', 'Q4_K_X');
  assertOneLineError(r, /Q4_K_X/);
  assert.equal(existsSync(join(dir, 'y.gguf')), false);
});

test('--list-types lists every type by number and name, in one column each, and -t takes the number', () => {
  const r = cli('--list-types');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 36, 'the 36 ftypes llama-quantize offers');
  const rows = lines.map((line) => /^ *(\d+)  (\S+) *  (\S.*)$/.exec(line));
  assert.ok(rows.every((m) => m !== null), r.stdout);
  assert.equal(new Set(lines.map((line) => line.length - line.trimStart().length + /\d+ +\S+ +/.exec(line.trimStart())![0].length)).size, 1, 'descriptions start in one column');
  const iq4xs = rows.find((m) => m![2] === 'IQ4_XS')!;
  assert.equal(iq4xs[1], '30', "llama.cpp's LLAMA_FTYPE_MOSTLY_IQ4_XS");
  const dry = cli('quantize', SHARED_F16_GGUF, '-t', iq4xs[1], '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^IQ4_XS: \d+ bytes/m);
});

test('Q2_K_S is refused because it needs an importance matrix, as llama.cpp refuses it', () => {
  const r = cli('quantize', SHARED_F16_GGUF, '-o', join(dir, 'q2ks.gguf'), '-t', 'Q2_K_S');
  assertOneLineError(r, /importance matrix/i);
  assert.equal(existsSync(join(dir, 'q2ks.gguf')), false);
  // --dry-run plans it anyway, as llama-quantize's does, and says a run would need one
  const dry = cli('quantize', SHARED_F16_GGUF, '-t', 'Q2_K_S', '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^note: this quantization requires an importance matrix \(--imatrix\): tensor blk\.0\.attn_k\.weight would be q2_K; a run without one is refused$/m);
  assert.match(dry.stdout, /^Q2_K_S: \d+ bytes/m);
});

test('the input cannot be the output', () => {
  const copy = join(dir, 'self.gguf');
  copyFileSync(SHARED_F16_GGUF, copy);
  const r = cli('quantize', copy, '-o', copy, '-t', 'Q8_0');
  assertOneLineError(r, /is the input/);
  assert.equal(sha(copy), inputHash);
});

function badFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function headOfModel(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync(SHARED_F16_GGUF, 'r');
  readSync(fd, buf, 0, n, 0);
  closeSync(fd);
  return buf;
}

test('bad inputs exit 1 with one line naming the problem, and leave no output', () => {
  const whole = readFileSync(SHARED_F16_GGUF);
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated-header.gguf', headOfModel(5000), /truncat|end of the file|past the end|bytes left in the file/i],
    ['truncated-data.gguf', whole.subarray(0, whole.length - 1000), /outside|past the end|truncat/i],
    ['not-gguf.gguf', Buffer.from('PK\x03\x04 this is a zip file, not a model'.padEnd(64, ' ')), /not a GGUF/i],
    ['empty.gguf', new Uint8Array(0), /not a GGUF file: it has only 0 bytes/i],
  ];
  const v1 = Buffer.from(headOfModel(4096));
  v1.writeUInt32LE(1, 4);
  cases.push(['version1.gguf', v1, /version 1/i]);
  const v9 = Buffer.from(headOfModel(4096));
  v9.writeUInt32LE(9, 4);
  cases.push(['version9.gguf', v9, /version 9/i]);
  for (const [name, bytes, pattern] of cases) {
    const input = badFile(name, bytes);
    const out = join(dir, `out-${name}`);
    const r = cli('quantize', input, '-o', out, '-t', 'Q8_0');
    assertOneLineError(r, pattern);
    assert.equal(existsSync(out), false, `${name}: no output`);
    assert.equal(readdirSync(dir).some((f) => f.includes(`out-${name}`)), false, `${name}: no temporary file left`);
    const inspect = cli('inspect', input);
    assertOneLineError(inspect, pattern);
  }
});

test('a missing input is named', () => {
  const r = cli('quantize', join(dir, 'nope.gguf'), '-o', join(dir, 'n.gguf'), '-t', 'Q8_0');
  assertOneLineError(r, /nope\.gguf: no such file/);
});

test('a killed run (SIGKILL) leaves only a hidden temporary file, which the next run into that folder removes and names', async () => {
  const work = join(dir, 'killed');
  spawnSync('mkdir', ['-p', work]);
  const input = join(dir, 'big-f16.gguf');
  if (!existsSync(input)) writeSyntheticModel(input, BIG_MODEL);
  const out = join(work, 'model.gguf');
  const child = spawn(process.execPath, [CLI_BIN, 'quantize', input, '-o', out, '-t', 'Q3_K_M', '--threads', '1'], { cwd: work });
  const exited = new Promise((r) => child.on('exit', r));
  const partial = () => readdirSync(work).find((f) => f.endsWith('.partial'));
  for (let i = 0; i < 2000 && !(partial() && statSync(join(work, partial()!)).size > 0); i++) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  await exited;
  const left = partial();
  assert.ok(left?.startsWith('.model.gguf.'), `a hidden temporary file is all that is left: ${readdirSync(work)}`);
  assert.equal(existsSync(out), false);

  const r = cli('quantize', SHARED_F16_GGUF, '-o', out, '-t', 'Q8_0');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, `quantsmith: removed ${left}, left by an earlier run that was killed\n`);
  assert.deepEqual(readdirSync(work), ['model.gguf']);
});

test('Ctrl-C while the CLI is still starting exits 130 with its message, not a bare signal death', async () => {
  await assertInterruptedWhileStarting(CLI_BIN, SHARED_F16_GGUF, dir);
});

test('an interrupted run (Ctrl-C) exits 130 and leaves neither the output nor a temporary file', async () => {
  const work = join(dir, 'interrupt');
  spawnSync('mkdir', ['-p', work]);
  const input = join(dir, 'big-f16.gguf');
  if (!existsSync(input)) writeSyntheticModel(input, BIG_MODEL);
  const inputBefore = sha(input);
  const out = join(work, 'big.gguf');
  const child = spawn(process.execPath, [CLI_BIN, 'quantize', input, '-o', out, '-t', 'Q3_K_M', '--threads', '1'], { cwd: work });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  // wait until the temporary file has data, i.e. the run is writing tensors
  const partial = () => readdirSync(work).find((f) => f.endsWith('.partial'));
  for (let i = 0; i < 2000; i++) {
    const p = partial();
    if (p && statSync(join(work, p)).size > 1 << 20) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(partial(), 'the run had started writing');
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted; no output was written/);
  assert.deepEqual(readdirSync(work), [], 'neither the output nor a temporary file is left');
  assert.equal(sha(input), inputBefore, 'input untouched');
});
