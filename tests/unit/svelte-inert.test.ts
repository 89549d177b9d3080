// The app's components show file text only through Svelte's text interpolation (escaped): none renders raw
// HTML, and no URL attribute (href, src, action, srcdoc…) is built from an expression, where a name from a
// file could become a javascript: link. tests/e2e/inert-text.test.ts checks the rendered page itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../helpers/paths.ts';

function filesEnding(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const path = join(dir, e);
    return statSync(path).isDirectory() ? filesEnding(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}
const HTML_SINK = /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|createContextualFragment/;

test('no component renders raw HTML or builds a URL attribute from an expression, and no module writes HTML', () => {
  const files = filesEnding(join(REPO, 'web', 'src'), '.svelte');
  assert.ok(files.length > 10, `${files.length} components found`);
  const found: string[] = [];
  for (const file of files) {
    const markup = readFileSync(file, 'utf8').replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '');
    for (const m of markup.matchAll(/\{@html\b|\b(?:href|src|srcdoc|action|formaction|xlink:href|srcset|poster|data)\s*=\s*["']?\{|\{(?:href|src|srcdoc)\}/g)) {
      found.push(`${relative(REPO, file)}: ${m[0]}`);
    }
  }
  for (const file of [...files, ...filesEnding(join(REPO, 'web', 'src'), '.ts')]) {
    if (HTML_SINK.test(readFileSync(file, 'utf8'))) found.push(`${relative(REPO, file)}: an HTML sink`);
  }
  assert.deepEqual(found, []);
});
