// The spellings a user types: ftype words, ggml type names, `REGEX=TYPE`, `KEY=TYPE:VALUE`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { FTYPES, ftypeById, parseFtype } from '../../web/src/core/quant/ftypes.ts';
import { GgmlType, ggmlType } from '../../web/src/core/quant/ggml-types.ts';
import { parseGgmlTypeName, parseKvOverrideOption, parseTensorTypeOption } from '../../web/src/core/quant/options.ts';
import { parsePruneLayersOption } from '../../web/src/core/quant/options.ts';

test("llama-quantize's 36 ftypes (COPY too), with llama.cpp numbers and default types", () => {
  const table = Object.fromEntries(FTYPES.map((f) => [f.name, [f.id, ggmlType(f.defaultType)!.name]]));
  assert.deepEqual(table, {
    F32: [0, 'f32'], F16: [1, 'f16'], BF16: [32, 'bf16'], Q4_0: [2, 'q4_0'], Q4_1: [3, 'q4_1'], Q5_0: [8, 'q5_0'],
    Q5_1: [9, 'q5_1'], Q8_0: [7, 'q8_0'], Q2_K: [10, 'q2_K'], Q2_K_S: [21, 'q2_K'], Q3_K_S: [11, 'q3_K'],
    Q3_K_M: [12, 'q3_K'], Q3_K_L: [13, 'q3_K'], Q4_K_S: [14, 'q4_K'], Q4_K_M: [15, 'q4_K'], Q5_K_S: [16, 'q5_K'],
    Q5_K_M: [17, 'q5_K'], Q6_K: [18, 'q6_K'], IQ4_NL: [25, 'iq4_nl'], IQ4_XS: [30, 'iq4_xs'],
    Q1_0: [40, 'q1_0'], Q2_0: [41, 'q2_0'], MXFP4_MOE: [38, 'mxfp4'], IQ2_XXS: [19, 'iq2_xxs'], IQ2_XS: [20, 'iq2_xs'],
    IQ2_S: [28, 'iq2_xs'], IQ2_M: [29, 'iq2_s'], IQ1_S: [24, 'iq1_s'], IQ1_M: [31, 'iq1_m'], TQ1_0: [36, 'tq1_0'],
    TQ2_0: [37, 'tq2_0'], IQ3_XXS: [23, 'iq3_xxs'], IQ3_S: [26, 'iq3_s'], IQ3_M: [27, 'iq3_s'], IQ3_XS: [22, 'iq3_s'],
    COPY: [0, 'f32'],
  });
  for (const f of FTYPES) {
    assert.ok(f.description.length > 0);
    assert.equal(ftypeById(f.id), f.name === 'COPY' ? ftypeById(0) : f);
  }
  assert.deepEqual(FTYPES.filter((f) => f.onlyCopy).map((f) => f.name), ['COPY']);
  assert.deepEqual(
    FTYPES.filter((f) => f.needsImatrix).map((f) => f.name).sort(),
    ['IQ1_M', 'IQ1_S', 'IQ2_M', 'IQ2_S', 'IQ2_XS', 'IQ2_XXS', 'IQ3_XS', 'IQ3_XXS', 'Q2_K_S'],
  );
});

test('parseFtype: case-insensitive names, llama-quantize aliases and numbers', () => {
  assert.equal(parseFtype('q4_k_m').name, 'Q4_K_M');
  assert.equal(parseFtype('Q4_K').name, 'Q4_K_M');
  assert.equal(parseFtype('q3_k').name, 'Q3_K_M');
  assert.equal(parseFtype('Q5_K').name, 'Q5_K_M');
  assert.equal(parseFtype('bf16').name, 'BF16');
  assert.equal(parseFtype('15').name, 'Q4_K_M');
  assert.equal(parseFtype('0').name, 'F32');
});

test('parseFtype refuses unknown types, naming them; every llama-quantize word is known', () => {
  assert.throws(() => parseFtype('Q4_K_XL'), (e: Error) => e instanceof QuantsmithError && /unknown quantization type 'Q4_K_XL'/.test(e.message));
  assert.equal(parseFtype('iq2_xxs').name, 'IQ2_XXS');
  assert.equal(parseFtype('copy').name, 'COPY');
  assert.equal(parseFtype('19').name, 'IQ2_XXS');
  assert.equal(parseFtype('38').name, 'MXFP4_MOE');
  assert.throws(() => parseFtype('39'), /unknown quantization type '39'/, 'NVFP4 is a ggml type, not a llama-quantize ftype');
  assert.throws(() => parseFtype('99'), /unknown quantization type '99'/);
  assert.throws(() => parseFtype(''), /unknown quantization type/);
});

test('parseGgmlTypeName: ggml spellings, any case', () => {
  assert.equal(parseGgmlTypeName('q6_K', 'x').id, GgmlType.Q6_K);
  assert.equal(parseGgmlTypeName('Q6_K', 'x').id, GgmlType.Q6_K);
  assert.equal(parseGgmlTypeName('IQ4_NL', 'x').id, GgmlType.IQ4_NL);
  assert.equal(parseGgmlTypeName('f16', 'x').id, GgmlType.F16);
  assert.throws(() => parseGgmlTypeName('q4_k_m', '--output-tensor-type'), /invalid ggml type 'q4_k_m' for --output-tensor-type/);
});

test('parseTensorTypeOption: REGEX=TYPE, the name lowercased as llama-quantize does', () => {
  assert.deepEqual(parseTensorTypeOption('attn_v=Q8_0'), { pattern: 'attn_v', type: 'q8_0' });
  assert.deepEqual(parseTensorTypeOption('BLK\\.[0-3]\\.FFN_DOWN=q6_k'), { pattern: 'blk\\.[0-3]\\.ffn_down', type: 'q6_K' });
  // only the first '=' separates
  assert.throws(() => parseTensorTypeOption('a=b=q8_0'), /invalid ggml type 'b=q8_0'/);
});

test('parseTensorTypeOption refuses malformed input, naming it', () => {
  assert.throws(() => parseTensorTypeOption('attn_v'), /malformed tensor type 'attn_v': expected REGEX=TYPE/);
  assert.throws(() => parseTensorTypeOption('=q8_0'), /missing tensor name/);
  assert.throws(() => parseTensorTypeOption('attn_v='), /missing quantization type/);
  assert.throws(() => parseTensorTypeOption('attn_v=q9_0'), (e: Error) => e instanceof QuantsmithError && /'q9_0'/.test(e.message));
});

test('parseKvOverrideOption: each value type', () => {
  assert.deepEqual(parseKvOverrideOption('llama.context_length=int:4096'), { key: 'llama.context_length', type: 'int', value: 4096n });
  assert.deepEqual(parseKvOverrideOption('k=int:-12'), { key: 'k', type: 'int', value: -12n });
  assert.deepEqual(parseKvOverrideOption('k=int:9223372036854775807'), { key: 'k', type: 'int', value: 9223372036854775807n });
  assert.deepEqual(parseKvOverrideOption('k=float:1e-5'), { key: 'k', type: 'float', value: 1e-5 });
  assert.deepEqual(parseKvOverrideOption('k=float:-.5'), { key: 'k', type: 'float', value: -0.5 });
  assert.deepEqual(parseKvOverrideOption('k=float:inf'), { key: 'k', type: 'float', value: Infinity });
  assert.deepEqual(parseKvOverrideOption('k=bool:true'), { key: 'k', type: 'bool', value: true });
  assert.deepEqual(parseKvOverrideOption('k=bool:false'), { key: 'k', type: 'bool', value: false });
  assert.deepEqual(parseKvOverrideOption('general.name=str:a=b:c'), { key: 'general.name', type: 'str', value: 'a=b:c' });
  assert.deepEqual(parseKvOverrideOption('k=str:'), { key: 'k', type: 'str', value: '' });
  assert.deepEqual(parseKvOverrideOption(`k=str:${'x'.repeat(127)}`), { key: 'k', type: 'str', value: 'x'.repeat(127) });
});

test('parseKvOverrideOption refuses malformed input, naming it', () => {
  const bad: [string, RegExp][] = [
    ['general.name', /malformed KV override 'general.name': expected KEY=TYPE:VALUE/],
    ['=int:1', /missing key/],
    [`${'k'.repeat(128)}=int:1`, /key exceeds 127 bytes/],
    ['k=int', /invalid type for KV override 'k=int'/],
    ['k=i32:1', /invalid type/],
    ['k=int:1.5', /invalid integer value/],
    ['k=int:', /invalid integer value/],
    ['k=int:9223372036854775808', /out of range/],
    ['k=float:abc', /invalid float value/],
    ['k=float:1e999', /float value out of range .*32-bit float/],
    ['k=float:-3.5e38', /float value out of range/],
    ['k=float:1e-50', /too small for a 32-bit float/],
    ['k=bool:yes', /invalid boolean value/],
    ['k=bool:True', /invalid boolean value/],
    [`k=str:${'x'.repeat(128)}`, /value cannot exceed 127 bytes/],
    [`k=str:${'é'.repeat(64)}`, /value cannot exceed 127 bytes/], // 128 bytes of UTF-8
  ];
  for (const [text, message] of bad) {
    assert.throws(() => parseKvOverrideOption(text), (e: Error) => e instanceof QuantsmithError && message.test(e.message), text);
  }
});

test('--prune-layers reads each part as std::stoi does, sorted without repeats; a negative or empty part is refused', () => {
  assert.deepEqual(parsePruneLayersOption('5,2,2, 7x'), [2, 5, 7]);
  for (const bad of ['1,,2', '-1', 'a', '']) assert.throws(() => parsePruneLayersOption(bad), /invalid layer id/);
});
