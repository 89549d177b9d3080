// Presets exported as JSON import back unchanged; a wrong file or a bad preset inside is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPresets, importPresets } from '../../web/src/app/presets/preset-json.ts';
import { DEFAULT_PRESET, type Preset } from '../../web/src/app/presets/preset.ts';

const small: Preset = { ...DEFAULT_PRESET, types: ['Q3_K_M', 'IQ4_NL'], pure: true, kvOverrides: ['general.name=str:small'] };
const big: Preset = {
  ...DEFAULT_PRESET,
  types: ['Q8_0'],
  outputTensorType: 'f16',
  tensorTypes: [{ pattern: 'token_embd', type: 'q6_K' }],
};

test('export then import gives back the same presets', () => {
  const text = exportPresets([{ name: 'small', preset: small }, { name: 'big one', preset: big }]);
  const back = importPresets(text);
  assert.deepEqual(back, [{ name: 'small', preset: small }, { name: 'big one', preset: big }]);
  assert.equal(JSON.parse(text).format, 'quantsmith-presets');
});

test('a file that is not a preset file is refused with a reason', () => {
  assert.throws(() => importPresets('{oops'), /not JSON/);
  assert.throws(() => importPresets('{"presets": []}'), /not a Quantsmith preset file/);
  assert.throws(() => importPresets('{"format": "quantsmith-presets", "version": 7, "presets": []}'), /unsupported preset file version 7/);
});

test('a bad preset inside is named, with what is wrong', () => {
  const file = (preset: unknown, name: unknown = 'mine') =>
    JSON.stringify({ format: 'quantsmith-presets', version: 1, presets: [{ name, preset }] });
  assert.throws(() => importPresets(file({ types: ['Q4_K_M', 'Q0_Z'] })), /preset 'mine': unknown quantization type 'Q0_Z'/);
  assert.throws(() => importPresets(file({ pure: 'yes' })), /preset 'mine': pure: expected true or false/);
  assert.throws(() => importPresets(file({ tensorTypes: [{ pattern: 'a=b', type: 'q8_0' }] })), /cannot contain '='/);
  assert.throws(() => importPresets(file({ types: ['Q8_0'] }, '   ')), /preset 1: a preset needs a name/);
});
