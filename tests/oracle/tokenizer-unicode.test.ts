// The codepoint classes our pre-tokenizers use are llama.cpp's own: the recorded table against
// unicode_cpt_flags_from_cpt of libllama for every codepoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CODEPOINT, classOfFlags, codepointClasses } from '../../web/src/core/eval/tokenizer/unicode-classes.ts';
import { oracleCodepointFlags } from './llama-cpp.ts';

test('the codepoint class table agrees with llama.cpp for all 0x110000 codepoints', () => {
  const table = codepointClasses();
  assert.equal(table.length, MAX_CODEPOINT);
  const wrong: string[] = [];
  for (let cp = 0; cp < MAX_CODEPOINT; cp++) {
    const flags = oracleCodepointFlags(cp);
    // no codepoint has empty flags: llama.cpp's "as_uint() == 0" only ever means "past the end of the text"
    if (flags === 0) wrong.push(`U+${cp.toString(16)} has no flags`);
    if (table[cp] !== classOfFlags(flags) && wrong.length < 10) wrong.push(`U+${cp.toString(16)}: ${table[cp]} vs flags ${flags}`);
  }
  assert.deepEqual(wrong, []);
});
