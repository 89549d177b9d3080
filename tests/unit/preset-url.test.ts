// The preset's link form: every option survives encode → decode, links people type by hand are read,
// and a malformed link yields a message naming what is wrong (never a half-applied preset).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePresetLink, encodePresetLink } from '../../web/src/app/presets/preset-url.ts';
import { DEFAULT_PRESET, type Preset } from '../../web/src/app/presets/preset.ts';

const everything: Preset = {
  ...DEFAULT_PRESET,
  types: ['Q4_K_M', 'Q8_0', 'IQ4_XS'],
  outputTensorType: 'q6_K',
  tokenEmbeddingType: 'q8_0',
  leaveOutputTensor: true,
  pure: true,
  allowRequantize: true,
  tensorTypes: [
    { pattern: 'blk\\.(0|1)\\.attn_v\\.weight', type: 'q8_0' },
    { pattern: 'ffn_down[+&#% ]\\d+', type: 'f16' },
  ],
  keepSplit: true,
  kvOverrides: ['general.name=str:my model & co #1', 'llama.context_length=int:1024', 'x.flag=bool:true'],
  splitMaxSize: '100M',
};

function decoded(fragment: string): Preset {
  const r = decodePresetLink(fragment);
  assert.equal(r.kind, 'preset', r.kind === 'malformed' ? r.message : 'no preset');
  return (r as { preset: Preset }).preset;
}

test('every option round-trips through the link', () => {
  const link = encodePresetLink(everything);
  assert.deepEqual(decoded(link), everything);
  assert.deepEqual(decoded(`#${link}`), everything, 'a leading # is accepted');
  assert.equal(encodePresetLink(decoded(link)), link, 'the link form is canonical');
});

test('the default preset has a short link', () => {
  assert.equal(encodePresetLink(DEFAULT_PRESET), 'type=Q4_K_M');
  assert.deepEqual(decoded('type=Q4_K_M'), DEFAULT_PRESET);
});

test('links use llama-quantize words and stay readable', () => {
  const link = encodePresetLink(everything);
  assert.match(link, /^type=Q4_K_M,Q8_0,IQ4_XS&allow-requantize&leave-output-tensor&pure&output-tensor-type=q6_K&token-embedding-type=q8_0&/);
  assert.match(link, /tensor-type=blk%5C\.\(0\|1\)%5C\.attn_v%5C\.weight=q8_0/);
  assert.ok(!link.includes('+'), 'a regex + is percent-encoded, not read back as a space');
  assert.ok(!link.includes(' '));
  assert.ok(!link.slice(1).includes('#'));
});

test('hand-typed links: any case, aliases, repeated types, flag values', () => {
  const p = decoded('type=q4_k,Q8_0,Q4_K_M&output-tensor-type=Q6_K&pure=true&leave-output-tensor=0');
  assert.deepEqual(p.types, ['Q4_K_M', 'Q8_0']);
  assert.equal(p.outputTensorType, 'q6_K');
  assert.equal(p.pure, true);
  assert.equal(p.leaveOutputTensor, false);
  assert.deepEqual(decoded('pure').types, ['Q4_K_M'], 'a link without type= keeps the default type');
});

test('an empty fragment is no preset', () => {
  assert.equal(decodePresetLink('').kind, 'none');
  assert.equal(decodePresetLink('#').kind, 'none');
});

function malformed(fragment: string): string {
  const r = decodePresetLink(fragment);
  assert.equal(r.kind, 'malformed', `expected ${fragment} to be refused`);
  return (r as { message: string }).message;
}

test('malformed links name what is wrong', () => {
  assert.match(malformed('type=Q9_Z'), /unknown quantization type 'Q9_Z'/);
  assert.deepEqual(decoded('type=iq2_xxs,COPY').types, ['IQ2_XXS', 'COPY'], "every llama-quantize type is a preset's type");
  assert.match(malformed('type='), /type: expected at least one quant type/);
  assert.match(malformed('colour=blue'), /unknown option 'colour'/);
  assert.match(malformed('pure=maybe'), /pure: expected no value, got 'maybe'/);
  assert.match(malformed('type=Q8_0&type=Q4_0'), /option 'type' is given twice/);
  assert.match(malformed('output-tensor-type=q7_K'), /invalid ggml type 'q7_K'/);
  assert.match(malformed('output-tensor-type=q8_K'), /cannot write q8_K/);
  assert.match(malformed('tensor-type=attn_v'), /expected REGEX=TYPE/);
  assert.match(malformed('tensor-type=attn_(v%3Dq8_0'), /not a valid regular expression/);
  assert.match(malformed('override-kv=general.name%3Dstring:x'), /invalid type for KV override/);
  assert.match(malformed('type=Q8_0%ZZ'), /not valid percent-encoding/);
});

test('every problem of a link is named, not just the first', () => {
  const message = malformed('type=Q9_Z&pure=maybe&colour=blue');
  assert.match(message, /Q9_Z/);
  assert.match(message, /pure/);
  assert.match(message, /colour/);
});

test('a link with bad fields: the valid fields are applied, each problem named once', async () => {
  const { readPresetLink } = await import('../../web/src/app/presets/preset-url.ts');
  const r = readPresetLink('#type=Q8_0,Q9_Z,q9_z&pure&leave-output-tensor=maybe&tensor-type=attn_v=q8_0&tensor-type=ffn=q9_9&colour=blue&colour=red');
  assert.equal(r.kind, 'read');
  if (r.kind !== 'read') return;
  assert.deepEqual(r.preset.types, ['Q8_0']);
  assert.equal(r.preset.pure, true);
  assert.equal(r.preset.leaveOutputTensor, false);
  assert.deepEqual(r.preset.tensorTypes, [{ pattern: 'attn_v', type: 'q8_0' }]);
  assert.equal(r.problems.length, new Set(r.problems).size, 'no problem repeats');
  assert.equal(r.problems.filter((p) => p.includes('Q9_Z')).length, 1);
  assert.ok(r.problems.some((p) => p.includes("leave-output-tensor: expected no value, got 'maybe'")));
  assert.ok(r.problems.some((p) => p.includes('q9_9')));
  assert.equal(r.problems.filter((p) => p.includes("unknown option 'colour'")).length, 1);
  assert.equal(encodePresetLink(r.preset), 'type=Q8_0&pure&tensor-type=attn_v=q8_0', 'the address bar can show what was applied');

  const noTypes = readPresetLink('type=Q9_Z&pure');
  assert.ok(noTypes.kind === 'read' && noTypes.preset.types.join() === 'Q4_K_M' && noTypes.preset.pure);
  const q2ks = readPresetLink('type=Q2_K_S');
  assert.ok(q2ks.kind === 'read');
  assert.match(q2ks.problems.join(), /Q2_K_S needs an importance matrix/);
  assert.equal(readPresetLink('').kind, 'none');
});
