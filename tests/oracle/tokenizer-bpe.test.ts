// Byte-level BPE tokenization against llama.cpp's llama_tokenize in the same run, on the real Llama 3 ('llama-bpe'),
// Qwen2 ('qwen2') and GPT-2 ('gpt-2') vocabularies of llama.cpp's tokenizer tests, the GPT-2 subset our converter
// writes for the synthetic HF folders, and the GPT-2 merges under each of the three pre-tokenizers (so each
// splitter meets merges it was not made for).
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import fc from 'fast-check';
import { GgufValueType, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import { scratchDir } from '../helpers/paths.ts';
import { oracleQuietLogs } from './llama-cpp.ts';
import {
  ALL_MODES, HELDOUT, HOSTILE, llamaCppVocab, assertSameText, assertSameTokens, convertedSynthetic, hostileStringArbitrary, loadVocabPair, textSlices,
  type VocabPair,
} from './tokenizer-support.ts';

const work = scratchDir('qs-tok-bpe-');
const vocabs: VocabPair[] = [];
const byName = (name: string) => vocabs.find((v) => v.name === name)!;

/** GPT-2's vocabulary file with another tokenizer.ggml.pre (and, optionally, other flags). */
async function gpt2With(pre: string, extra: GgufKV[] = []): Promise<string> {
  const src = await openNodeFile(llamaCppVocab('gpt-2'));
  const header = await readGgufHeader(src);
  await src.close();
  const replaced = new Set(['tokenizer.ggml.pre', ...extra.map((kv) => kv.key)]);
  const metadata: GgufKV[] = [
    ...header.metadata.filter((kv) => !replaced.has(kv.key)),
    { key: 'tokenizer.ggml.pre', type: GgufValueType.STRING, value: pre },
    ...extra,
  ];
  const path = join(work, `gpt2-as-${pre}.gguf`);
  writeGgufFile(path, { metadata, tensors: [] });
  return path;
}

before(async () => {
  oracleQuietLogs();
  for (const name of ['llama-bpe', 'qwen2', 'gpt-2']) {
    vocabs.push(await loadVocabPair(name, llamaCppVocab(name)));
  }
  vocabs.push(await loadVocabPair('gpt-2 merges, llama3 splitter', await gpt2With('llama3')));
  vocabs.push(await loadVocabPair('gpt-2 merges, qwen2 splitter, BOS and EOS added', await gpt2With('qwen2', [
    { key: 'tokenizer.ggml.add_bos_token', type: GgufValueType.BOOL, value: true },
    { key: 'tokenizer.ggml.add_eos_token', type: GgufValueType.BOOL, value: true },
  ])));
  // the converter's GPT-2 subset (a few hundred tokens and merges: most words fall apart into bytes)
  vocabs.push(await loadVocabPair('converted synth-qwen2-bpe', await convertedSynthetic('synth-qwen2-bpe', work)));
});
after(() => {
  for (const v of vocabs) v.oracle.free();
});

describe('BPE tokenization matches llama_tokenize', () => {
  test('the whole held-out text on Llama 3, Qwen2 and GPT-2', () => {
    for (const name of ['llama-bpe', 'qwen2', 'gpt-2']) assertSameTokens(byName(name), HELDOUT, [[true, false]]);
  });

  test('slices of the held-out and calibration texts, cut anywhere', () => {
    const slices = textSlices(120, 400);
    for (const v of vocabs) for (const s of slices) assertSameTokens(v, s, [[false, false], [true, true]]);
  });

  test('hostile strings: scripts, emoji, marks, whitespace runs, digits, contractions, code, special tokens', () => {
    for (const v of vocabs) {
      for (const s of HOSTILE) {
        assertSameTokens(v, s);
        assertSameTokens(v, `x${s}y`, [[false, false], [true, true]]);
        assertSameTokens(v, ` ${s}\n`, [[false, false], [true, true]]);
      }
    }
  });

  test('special tokens: control ones only with parseSpecial, user-defined ones always', () => {
    const texts = [
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>', '<|reserved_special_token_10|>x',
      '<|im_start|>system\nYou are<|im_end|>\n<|im_start|>user\n', '[PAD151646][PAD151647] x', '<|endoftext|><|endoftext|>',
      ' <|endoftext|> ', '<|endoftext|>\n\n', '<|im_end|><|im_start|>', '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>',
    ];
    for (const v of vocabs) for (const t of texts) assertSameTokens(v, t);
  });

  test('random strings of hostile pieces (fast-check)', () => {
    const specials = ['<|endoftext|>', '<|im_start|>', '<|eot_id|>', '<|begin_of_text|>', '[PAD151650]', '<|reserved_special_token_3|>'];
    for (const v of vocabs) {
      fc.assert(fc.property(hostileStringArbitrary(specials), (s) => {
        assertSameTokens(v, s, ALL_MODES);
      }), { numRuns: 150, seed: 777 });
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
