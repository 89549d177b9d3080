// The clean-install chain the README promises: CI runs the README's test command, which installs what a
// fresh Debian machine lacks with apt-get (Chromium too) and the npm packages with `npm ci` (never a lock
// rewrite), then type-checks and runs the suite. Each script is valid bash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/paths.ts';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
/** the lines that run something: no comments, no blank lines */
const commands = (path: string) => read(path).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

test('.ci/run runs npm test, which is scripts/test.sh: setup with the browser, tsc, the suite', () => {
  assert.ok(commands('.ci/run').includes('npm test'));
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.test, 'bash scripts/test.sh');
  assert.equal(pkg.scripts.start, 'bash scripts/start.sh');
  const testSh = commands('scripts/test.sh');
  assert.ok(testSh.includes('QUANTSMITH_NEEDS_BROWSER=1 bash scripts/setup.sh'));
  assert.ok(testSh.indexOf('npx tsc --noEmit -p tsconfig.json') < testSh.indexOf('node scripts/run-tests.mjs "$@"'));
  assert.ok(commands('scripts/start.sh').includes('bash scripts/setup.sh'));
});

test('setup installs missing tools with apt-get and the npm packages with npm ci only', () => {
  const setup = read('scripts/setup.sh');
  assert.match(setup, /command -v node >\/dev\/null \|\| need\+=\(nodejs npm\)/);
  assert.match(setup, /command -v emcc >\/dev\/null \|\| need\+=\(emscripten\)/);
  assert.match(setup, /need\+=\(chromium\)/);
  assert.match(setup, /apt-get install -y/);
  assert.match(setup, /^\s*npm ci\b/m);
  assert.doesNotMatch(setup, /^\s*npm (install|i)\b/m, 'npm install would rewrite the lock file');
  for (const script of ['.ci/run', 'scripts/setup.sh', 'scripts/test.sh', 'scripts/start.sh']) {
    const r = spawnSync('bash', ['-n', join(REPO, script)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${script}: ${r.stderr}`);
  }
});
