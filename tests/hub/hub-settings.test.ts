// Where the CLI finds the Hub settings (huggingface_hub's order), and how Retry-After is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../helpers/paths.ts';
import { hubEnv } from '../../web/src/cli/hub-env.ts';
import { retryAfterMs } from '../../web/src/core/hub/hub-fetch.ts';

test('HF_ENDPOINT and the token: HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then $HF_TOKEN_PATH or $HF_HOME/token or ~/.cache/huggingface/token', () => {
  const home = scratchDir();
  mkdirSync(join(home, '.cache', 'huggingface'), { recursive: true });
  writeFileSync(join(home, '.cache', 'huggingface', 'token'), 'hf_fromDefaultFile\n');
  mkdirSync(join(home, 'hfhome'));
  writeFileSync(join(home, 'hfhome', 'token'), 'hf_fromHfHome');
  writeFileSync(join(home, 'explicit'), '  hf_fromTokenPath  ');
  const env = (extra: Record<string, string>) => ({ HOME: home, ...extra });
  assert.deepEqual(hubEnv(env({})), { endpoint: 'https://huggingface.co', token: 'hf_fromDefaultFile' });
  assert.equal(hubEnv(env({ HF_HOME: join(home, 'hfhome') })).token, 'hf_fromHfHome');
  assert.equal(hubEnv(env({ HF_TOKEN_PATH: join(home, 'explicit') })).token, 'hf_fromTokenPath');
  assert.equal(hubEnv(env({ HUGGING_FACE_HUB_TOKEN: 'hf_legacy' })).token, 'hf_legacy');
  assert.equal(hubEnv(env({ HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_legacy' })).token, 'hf_env');
  assert.equal(hubEnv(env({ HF_ENDPOINT: 'https://hf-mirror.com/' })).endpoint, 'https://hf-mirror.com', 'trailing slash dropped');
  assert.equal(hubEnv({ HOME: join(home, 'nowhere') }).token, undefined);
  assert.throws(() => hubEnv(env({ HF_ENDPOINT: 'not a url' })), /the Hub endpoint 'not a url' is not a URL/);
});

test('Retry-After in seconds or as an HTTP date', () => {
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs('Tue, 01 Dec 2026 12:00:10 GMT', Date.parse('Tue, 01 Dec 2026 12:00:00 GMT')), 10_000);
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
});
