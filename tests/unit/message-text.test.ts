// Messages that quote a file: one line, a short escaped excerpt, and the length the file declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneLine, QuantsmithError, quoted, quotedJson } from '../../web/src/core/errors.ts';

test('control characters, line breaks and bidi overrides are escaped', () => {
  assert.equal(quoted('a\nb\r\tc\u0000\u007f\u0085'), "'a\\nb\\r\\tc\\x00\\x7f\\x85'");
  assert.equal(quoted('x\u202ey\u2028z\u2066'), "'x\\u202ey\\u2028z\\u2066'");
  assert.equal(quoted('lone \ud800 surrogate'), "'lone \\ud800 surrogate'");
  assert.equal(quoted('pair 😀 kept'), "'pair 😀 kept'");
});

test('long text is cut with an ellipsis and its declared byte length follows', () => {
  const long = 'n'.repeat(8_611_781);
  const q = quoted(long, 8_611_781);
  assert.equal(q, `'${'n'.repeat(47)}…' (8611781 bytes)`);
  // the declared length, not the length of the text as decoded (invalid UTF-8 becomes U+FFFD, 3 bytes)
  assert.equal(quoted('ab\ufffd', 3), "'ab\ufffd' (3 bytes)");
  assert.equal(quoted('short', 5), "'short'");
  assert.equal(quoted('😀'.repeat(100)).length < 120, true);
});

test('JSON values are shown compactly and cut', () => {
  assert.equal(quotedJson('x\ny'), '"x\\ny"');
  assert.equal(quotedJson([1, 2]), '[1,2]');
  assert.ok(quotedJson('z'.repeat(10_000)).length <= 48);
  assert.equal(quotedJson(undefined), 'undefined');
});

test('a QuantsmithError is one line of bounded length whatever it is given', () => {
  const e = new QuantsmithError(`bad name ${'\n'.repeat(5000)}${'q'.repeat(1_000_000)}`, 1234);
  assert.ok(!/[\n\r\u2028\u2029]/.test(e.message));
  assert.ok(e.message.length < 340, `${e.message.length} characters`);
  assert.match(e.message, /… \(at offset 1234\)$/);
  assert.equal(oneLine('fine as it is'), 'fine as it is');
});
