// SentencePiece tokenization against llama.cpp's llama_tokenize in the same run: the trained model's vocabulary
// (the whole held-out text, slices of both texts, hostile strings, random strings), Llama 2's and Phi-3's real
// vocabularies (llama.cpp's test vocabularies), and synthetic Gemma-style and add-EOS vocabularies written here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { GgufValueType, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuietLogs } from './llama-cpp.ts';
import {
  ALL_MODES, HELDOUT, HOSTILE, llamaCppVocab, assertSameText, assertSameTokens, convertedSynthetic, hostileStringArbitrary, loadVocabPair, textSlices,
  type VocabPair,
} from './tokenizer-support.ts';

const work = scratchDir('qs-tok-spm-');
const vocabs: VocabPair[] = [];
const byName = (name: string) => vocabs.find((v) => v.name === name)!;

const str = (key: string, value: string): GgufKV => ({ key, type: GgufValueType.STRING, value });
const bool = (key: string, value: boolean): GgufKV => ({ key, type: GgufValueType.BOOL, value });
const u32 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.UINT32, value });
const arr = (key: string, itemType: GgufValueType, items: readonly (string | number)[]): GgufKV =>
  ({ key, type: GgufValueType.ARRAY, value: { itemType, items } });

/**
 * The trained model's pieces and scores under a new set of special tokens and flags: the architecture keys stay
 * (llama.cpp needs them to load the vocabulary), the tokenizer keys are replaced.
 */
async function writeDerivedVocab(
  name: string, head: { text: string; type: number }[], flags: GgufKV[],
): Promise<string> {
  const src = await openNodeFile(SHARED_F16_GGUF);
  const header = await readGgufHeader(src);
  await src.close();
  const get = (key: string) => (header.metadata.find((kv) => kv.key === key)!.value as { items: readonly unknown[] }).items;
  const pieces = get('tokenizer.ggml.tokens') as string[];
  const scores = get('tokenizer.ggml.scores') as number[];
  const types = get('tokenizer.ggml.token_type') as number[];
  const taken = new Set(head.map((h) => h.text));
  const tokens = [...head.map((h) => h.text)];
  const tokenScores: number[] = head.map(() => 0);
  const tokenTypes = head.map((h) => h.type);
  for (let i = 3; i < pieces.length; i++) {
    if (taken.has(pieces[i]!)) continue;
    tokens.push(pieces[i]!);
    tokenScores.push(scores[i]!);
    tokenTypes.push(types[i]!);
  }
  const metadata: GgufKV[] = [
    ...header.metadata.filter((kv) => !kv.key.startsWith('tokenizer.') && kv.key !== 'general.name'),
    str('general.name', name),
    str('tokenizer.ggml.model', 'llama'),
    str('tokenizer.ggml.pre', 'default'),
    arr('tokenizer.ggml.tokens', GgufValueType.STRING, tokens),
    arr('tokenizer.ggml.scores', GgufValueType.FLOAT32, tokenScores),
    arr('tokenizer.ggml.token_type', GgufValueType.INT32, tokenTypes),
    ...flags,
  ];
  const path = join(work, `${name}.gguf`);
  writeGgufFile(path, { metadata, tensors: [] });
  return path;
}

const NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4;

before(async () => {
  oracleQuietLogs();
  vocabs.push(await loadVocabPair('pydoc-llama-5m', SHARED_F16_GGUF));
  vocabs.push(await loadVocabPair('llama-spm', llamaCppVocab('llama-spm')));
  vocabs.push(await loadVocabPair('phi-3', llamaCppVocab('phi-3')));
  // Gemma 2/3: no space prefix, <bos>=2 <eos>=1, control turn markers, unused tokens, user-defined whitespace
  // runs and HTML tags that are cut out of any text before SentencePiece runs
  const gemma = await writeDerivedVocab('gemma-style', [
    { text: '<pad>', type: CONTROL }, { text: '<eos>', type: CONTROL }, { text: '<bos>', type: CONTROL },
    { text: '<unk>', type: UNKNOWN }, { text: '<mask>', type: USER_DEFINED }, { text: '[@BOS@]', type: CONTROL },
    { text: '<unused0>', type: CONTROL }, { text: '<unused1>', type: CONTROL },
    { text: '<start_of_turn>', type: CONTROL }, { text: '<end_of_turn>', type: CONTROL },
    { text: '\n', type: NORMAL }, { text: '\n\n', type: USER_DEFINED }, { text: '\n\n\n', type: USER_DEFINED },
    { text: '\t', type: USER_DEFINED }, { text: '\t\t', type: USER_DEFINED }, { text: '▁▁', type: USER_DEFINED },
    { text: '▁▁▁▁', type: USER_DEFINED }, { text: '<h1>', type: USER_DEFINED }, { text: '</h1>', type: USER_DEFINED },
    { text: '<table>', type: USER_DEFINED }, { text: '<eos><bos>', type: USER_DEFINED }, { text: 'ab', type: USER_DEFINED },
    { text: 'ba', type: USER_DEFINED },
  ], [
    u32('tokenizer.ggml.bos_token_id', 2), u32('tokenizer.ggml.eos_token_id', 1), u32('tokenizer.ggml.unknown_token_id', 3),
    u32('tokenizer.ggml.padding_token_id', 0), bool('tokenizer.ggml.add_bos_token', true),
    bool('tokenizer.ggml.add_eos_token', false), bool('tokenizer.ggml.add_space_prefix', false),
  ]);
  vocabs.push(await loadVocabPair('gemma-style', gemma));
  // Mistral/Llama-2 with added tokens as the converter writes them: user-defined <tool_call>, EOS added, no BOS
  const eos = await writeDerivedVocab('add-eos', [
    { text: '<unk>', type: UNKNOWN }, { text: '<s>', type: CONTROL }, { text: '</s>', type: CONTROL },
    { text: '<tool_call>', type: USER_DEFINED }, { text: '▁x▁y', type: USER_DEFINED }, { text: '<|im_start|>', type: USER_DEFINED },
  ], [bool('tokenizer.ggml.add_bos_token', false), bool('tokenizer.ggml.add_eos_token', true)]);
  vocabs.push(await loadVocabPair('add-eos', eos));
  // many user-defined tokens of equal length that overlap in a text: which one wins depends on the order
  // llama.cpp's (unstable) std::sort leaves them in
  const pairs = [...'abcdef'].flatMap((x) => [...'abcdef'].map((y) => x + y));
  const overlapping = pairs.concat([...'abcd'].flatMap((x) => pairs.filter((p) => /^[a-d]+$/.test(p)).map((p) => x + p)));
  vocabs.push(await loadVocabPair('overlapping', await writeDerivedVocab('overlapping', [
    { text: '<unk>', type: UNKNOWN }, { text: '<s>', type: CONTROL }, { text: '</s>', type: CONTROL },
    ...overlapping.map((text) => ({ text, type: USER_DEFINED })),
  ], [])));
  // what our converter writes for Gemma 3 and Phi-3 folders (Phi-3's name turns on llama.cpp's right-strip rule)
  for (const name of ['synth-gemma3', 'synth-phi3', 'synth-llama2-template']) {
    vocabs.push(await loadVocabPair(`converted ${name}`, await convertedSynthetic(name, work)));
  }
});
after(() => {
  for (const v of vocabs) v.oracle.free();
});

describe('SentencePiece tokenization matches llama_tokenize', () => {
  test('the whole held-out text, with and without BOS, on the trained model', () => {
    const v = byName('pydoc-llama-5m');
    assert.equal(v.ours.nVocab, 4096);
    assert.equal(v.ours.bos, 1);
    assert.equal(v.ours.eos, 2);
    assert.equal(v.ours.addBosDefault, true);
    assertSameTokens(v, HELDOUT, [[true, false], [false, false]]);
  });

  test('the held-out text on the Llama 2 and Phi-3 vocabularies', () => {
    for (const name of ['llama-spm', 'phi-3']) assertSameTokens(byName(name), HELDOUT.slice(0, 100_000), [[true, false], [false, true]]);
  });

  test('slices of the held-out and calibration texts, cut anywhere', () => {
    const slices = textSlices(150, 400);
    for (const v of vocabs) for (const s of slices) assertSameTokens(v, s, [[true, false], [false, true]]);
  });

  test('hostile strings: scripts, emoji, marks, whitespace runs, digits, code, special tokens, lone surrogates', () => {
    for (const v of vocabs) {
      for (const s of HOSTILE) {
        assertSameTokens(v, s);
        assertSameTokens(v, `x${s}y`, [[false, false], [true, true]]);
        assertSameTokens(v, ` ${s}\n`, [[false, false], [true, true]]);
      }
    }
  });

  test('special tokens next to each other, to whitespace, inside words (Gemma user-defined tokens, Phi-3 right-strip)', () => {
    const texts = [
      '<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n', '<bos><eos><bos>', '<eos><bos>x', 'aba bab abab',
      '<h1>Title</h1>\n\n\nText\t\tmore    spaces  ', '<unused0><unused1>', '<mask> <mask>', '[@BOS@]<pad>', '<unk><unk>',
      '<|system|>\nYou are<|end|>\n<|user|>\nQ<|end|>\n<|assistant|>', '</s>   x', 'x   </s>\n\ny', '<s> </s> <s>',
      '[PAD32011]x', '<|placeholder1|> \n', '<tool_call>{"a":1}</tool_call>', ' ▁x▁y ', 'x y', '<|im_start|>user',
    ];
    for (const v of vocabs) for (const t of texts) assertSameTokens(v, t);
  });

  test('overlapping special tokens of equal length are cut out in llama.cpp\'s order', () => {
    const v = byName('overlapping');
    const words = (alphabet: string, n: number): string[] => (n === 0 ? [''] : words(alphabet, n - 1).flatMap((w) => [...alphabet].map((c) => w + c)));
    for (const w of [...words('abcd', 4), ...words('abc', 5)]) assertSameTokens(v, w, [[false, false]]);
    fc.assert(fc.property(fc.stringMatching(/^[a-f ]{0,40}$/), (s) => {
      assertSameTokens(v, s, [[false, false]]);
    }), { numRuns: 300, seed: 5 });
  });

  test('random strings of hostile pieces (fast-check)', () => {
    const specials = ['<s>', '</s>', '<unk>', '<bos>', '<eos>', '<start_of_turn>', '<h1>', '\n\n', '\t\t', '▁▁', '<|end|>', '<|user|>', '<tool_call>', 'ab'];
    for (const v of vocabs) {
      fc.assert(fc.property(hostileStringArbitrary(specials), (s) => {
        assertSameTokens(v, s, ALL_MODES);
      }), { numRuns: 150, seed: 4242 });
    }
  });

  test('decode gives llama_detokenize\'s text: for encoded hostile strings and for random token ids (fast-check)', () => {
    for (const v of vocabs) {
      for (const s of [...HOSTILE, ...textSlices(20, 300)]) assertSameText(v, v.ours.encode(s, { addBos: true, parseSpecial: true }));
      fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: v.ours.nVocab - 1 }), { maxLength: 40 }), (ids) => {
        assertSameText(v, Int32Array.from(ids));
      }), { numRuns: 100, seed: 99 });
    }
  });
});
