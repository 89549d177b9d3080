// Runs every tests/**/*.test.ts with node's test runner (TypeScript through tsx).
// Arguments narrow the run to test files whose path contains one of them.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return find(path);
    return path.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = find('tests').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files match');
  process.exit(1);
}
// the end-to-end files share one production build of the app, made once here (tests/e2e/harness.ts buildApp)
const env = { ...process.env };
let dist;
if (files.some((f) => f.startsWith(join('tests', 'e2e')))) {
  dist = join(mkdtempSync(join(tmpdir(), 'quantsmith-e2e-dist-')), 'dist');
  // the tests' stand-in Hub listens on 127.0.0.1: the build's Content-Security-Policy lets the page reach it
  const build = spawnSync(process.execPath, [join('node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', dist, '--logLevel', 'warn'], {
    stdio: 'inherit',
    env: { ...process.env, QUANTSMITH_CONNECT_SRC: 'http://127.0.0.1:*' },
  });
  if (build.status !== 0) {
    console.error('run-tests: vite build failed');
    process.exit(1);
  }
  env.QUANTSMITH_E2E_DIST = dist;
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env },
);
if (dist) rmSync(dirname(dist), { recursive: true, force: true });
process.exit(result.status ?? 1);
