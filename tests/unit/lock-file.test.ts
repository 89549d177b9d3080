// `npm ci` installs exactly the lock file, and refuses one that lacks a package some platform needs:
// every optional dependency a locked package declares (esbuild's, rollup's, rolldown's per-platform
// binaries) must be in the lock, or `npm ci` fails on macOS or Windows while Linux works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/paths.ts';

interface LockedPackage {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as LockedPackage;

/** Where node's resolution finds `name` from the package at `path`: its own node_modules, then each parent's. */
function resolveLocked(path: string, name: string): string | undefined {
  let base = path;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

test('every optional dependency of every locked package is in the lock (npm ci on any platform)', () => {
  const missing: string[] = [];
  for (const [path, pkg] of Object.entries(lock.packages)) {
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      if (!resolveLocked(path, name)) missing.push(`${path || '(root)'} → ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the lock file records package.json as it is', () => {
  const root = lock.packages[''];
  assert.deepEqual(root.dependencies ?? {}, manifest.dependencies ?? {});
  assert.deepEqual(root.devDependencies ?? {}, manifest.devDependencies ?? {});
});
