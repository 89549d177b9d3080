// Command lines name files as words bash reads back exactly (bash itself is the judge here), and a hostile
// name with a line break, terminal escape or bidi override stays on one line, written with visible escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { shellQuote } from '../../web/src/core/shell-quote.ts';

const WORDS = [
  'model-Q4_K_M.gguf',
  "it's a \\ name $(touch x) `y` \"z\".gguf",
  'line one\nrm -rf ~\n.gguf',
  'clear\u001b[2J\u0007 screen.gguf',
  "bidi \u202egguf.exe\u202c it's.gguf",
  'tab\tand\r\u0085 controls\u007f.gguf',
];

test('bash reads every quoted word back as the word itself', () => {
  for (const word of WORDS) {
    const quoted = shellQuote(word);
    const out = spawnSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });
    assert.equal(out.status, 0, `${quoted}: ${out.stderr}`);
    assert.equal(out.stdout, word, `bash read ${quoted} as another word`);
  }
});

test('a quoted word is one line without control or bidi characters', () => {
  for (const word of WORDS) assert.doesNotMatch(shellQuote(word), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, JSON.stringify(word));
  assert.equal(shellQuote('a\nb'), "$'a\\nb'");
  assert.equal(shellQuote("it's"), "'it'\\''s'", 'plain words keep the POSIX single quotes');
});
