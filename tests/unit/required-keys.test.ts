// The required-key table covers every architecture Quantsmith accepts; a few rows checked by hand against llama.cpp's source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_ARCHITECTURES } from '../../web/src/core/quant/known-architectures.ts';
import { ARCH_REQUIRED_KEYS, UNSUPPORTED_ARCHITECTURES } from '../../web/src/core/quant/required-keys.ts';

test('every known architecture has a row, or is one llama.cpp cannot create', () => {
  for (const arch of KNOWN_ARCHITECTURES) {
    assert.ok(arch in ARCH_REQUIRED_KEYS || UNSUPPORTED_ARCHITECTURES.has(arch), arch);
  }
  assert.deepEqual(Object.keys(ARCH_REQUIRED_KEYS).filter((a) => !KNOWN_ARCHITECTURES.has(a)), []);
});

test('spot checks against llama.cpp\'s load_arch_hparams (keys as llm_kv formats them, getters kept)', () => {
  assert.deepEqual(ARCH_REQUIRED_KEYS.granite, ['granite.attention.layer_norm_rms_epsilon', 'granite.logit_scale']);
  assert.deepEqual(ARCH_REQUIRED_KEYS.gpt2, ['gpt2.attention.layer_norm_epsilon']);
  assert.deepEqual(ARCH_REQUIRED_KEYS.deepseek2, ['deepseek2.attention.layer_norm_rms_epsilon', 'deepseek2.attention.kv_lora_rank',
    ['deepseek2.expert_feed_forward_length', 'key-or-arr'], 'deepseek2.expert_shared_count']);
  // apertus reads global (unprefixed) keys, per layer
  assert.deepEqual(ARCH_REQUIRED_KEYS.apertus.filter((e) => typeof e !== 'string').map((e) => e[0]), ['xielu.alpha_n', 'xielu.alpha_p', 'xielu.beta', 'xielu.eps']);
  assert.deepEqual(ARCH_REQUIRED_KEYS.clip, []);
});
