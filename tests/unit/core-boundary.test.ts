// core/ runs unchanged in browser workers and in Node, so it may import only core/ itself and
// framework-free packages: never io/, workers/, app/, cli/, nor Node's built-in modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../helpers/paths.ts';

const CORE = join(REPO, 'web', 'src', 'core');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('core/ imports nothing from io/, workers/, app/, cli/ or node:', () => {
  const offending: string[] = [];
  for (const file of sources(CORE)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      const outside = spec.startsWith('.') ? relative(CORE, resolve(dirname(file), spec)).startsWith('..') : spec.startsWith('node:');
      if (outside) offending.push(`${relative(REPO, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offending, []);
});
