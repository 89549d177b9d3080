// The policy the production build writes into index.html (the end-to-end build adds the tests' stand-in Hub
// on 127.0.0.1, so this is where the shipped one is pinned): scripts, workers and the kernel module from the
// app's own origin only; connections to it and to the Hub's hosts, nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, HUB_ORIGINS } from '../../web/content-security-policy.ts';

const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

test('the shipped policy: own origin for code, own origin and the Hub for connections', () => {
  const d = directives(contentSecurityPolicy());
  assert.deepEqual(d.get('default-src'), ["'self'"]);
  assert.deepEqual(d.get('script-src'), ["'self'", "'wasm-unsafe-eval'"], 'no inline script, no eval');
  assert.deepEqual(d.get('worker-src'), ["'self'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('connect-src'), ["'self'", ...HUB_ORIGINS]);
  assert.deepEqual(HUB_ORIGINS, ['https://huggingface.co', 'https://*.huggingface.co', 'https://hf.co', 'https://*.hf.co']);
  assert.ok(![...d.values()].flat().some((v) => /^(\*|https?:|http:\/\/127|'unsafe-eval')$/.test(v) || v.startsWith('http://')), 'no wildcard source, plain http or eval');
});

test('extra connection origins (a Hub mirror, the tests\' stand-in) widen connect-src only', () => {
  const d = directives(contentSecurityPolicy(['http://127.0.0.1:*']));
  assert.deepEqual(d.get('connect-src'), ["'self'", ...HUB_ORIGINS, 'http://127.0.0.1:*']);
  assert.deepEqual(d.get('script-src'), ["'self'", "'wasm-unsafe-eval'"]);
});
