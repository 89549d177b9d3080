// Hostile inputs through the CLI as a user runs it: config.json counts far past what the checkpoint holds
// and GGUF strings that are huge or hold control characters each end the run at once with one short line,
// exit status 1 and no output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, scratchDir } from '../helpers/paths.ts';
import { ggufWithLongTensorName, HOSTILE_CONFIGS, writeHostileFolder } from '../fixtures/hostile-files.ts';

const dir = scratchDir();

/** Runs the CLI with a 400 MB heap: before the checks, these inputs exhausted any heap. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=400', CLI_BIN, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, signal: r.signal };
}

function assertOneShortLine(r: ReturnType<typeof cli>, pattern: RegExp): string {
  assert.equal(r.signal, null, 'the run ended by itself');
  assert.equal(r.status, 1, `exit status 1 expected, stderr: ${r.stderr.slice(0, 2000)}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got ${lines.length}: ${r.stderr.slice(0, 2000)}`);
  assert.ok(lines[0]!.length < 340, `${lines[0]!.length} characters`);
  assert.doesNotMatch(lines[0]!, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no raw control characters');
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

test("config.json's hostile layer and vocabulary counts give one named line at once", () => {
  HOSTILE_CONFIGS.forEach(({ change, message }, i) => {
    const folder = writeHostileFolder(join(dir, `model-${i}`), change);
    const out = join(dir, `out-${i}.gguf`);
    assertOneShortLine(cli('quantize', folder, '-o', out, '-t', 'Q8_0'), message);
    assert.equal(existsSync(out), false);
    assertOneShortLine(cli('inspect', folder), message);
  });
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('out-')), [], 'no output or partial file');
});

test('a tensor name of 8 611 781 bytes is quoted as a short escaped excerpt with its declared length', () => {
  const input = join(dir, 'long-name.gguf');
  writeFileSync(input, ggufWithLongTensorName(8_611_781));
  const line = assertOneShortLine(cli('inspect', input), /tensor 0 name 'line one\\nline two\\x07\\x1b\[2JAAA.*…' \(8611781 bytes\) is too long: at most 63 bytes/);
  assert.ok(!line.includes('A'.repeat(100)));
});

test('an architecture name holding a newline and an escape sequence is shown escaped', () => {
  const input = join(dir, 'evil-arch.gguf');
  writeFileSync(input, ggufWithLongTensorName(40));
  assertOneShortLine(cli('quantize', input, '-o', join(dir, 'evil-out.gguf'), '-t', 'Q8_0'),
    /unknown model architecture: 'llama\\nEVIL\\x1b\[31m'/);
});
