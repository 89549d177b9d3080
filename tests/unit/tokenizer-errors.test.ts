// Vocabularies the evaluator's tokenizer refuses, each with a one-line message that names the problem, and the
// two forms of metadata it accepts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { tokenizerFromGguf } from '../../web/src/core/eval/tokenizer/index.ts';
import { GgufValueType, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';

const str = (key: string, value: string): GgufKV => ({ key, type: GgufValueType.STRING, value });
const bool = (key: string, value: boolean): GgufKV => ({ key, type: GgufValueType.BOOL, value });
const arr = (key: string, itemType: GgufValueType, items: readonly (string | number)[]): GgufKV =>
  ({ key, type: GgufValueType.ARRAY, value: { itemType, items } });

const BYTES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
function spm(tokens: readonly string[], extra: GgufKV[] = []): GgufKV[] {
  return [
    str('tokenizer.ggml.model', 'llama'),
    arr('tokenizer.ggml.tokens', GgufValueType.STRING, tokens),
    arr('tokenizer.ggml.scores', GgufValueType.FLOAT32, tokens.map((_, i) => -i)),
    ...extra,
  ];
}
function bpe(pre: string | undefined, extra: GgufKV[] = []): GgufKV[] {
  return [
    str('tokenizer.ggml.model', 'gpt2'),
    ...(pre === undefined ? [] : [str('tokenizer.ggml.pre', pre)]),
    arr('tokenizer.ggml.tokens', GgufValueType.STRING, ['a', 'b', 'ab']),
    arr('tokenizer.ggml.merges', GgufValueType.STRING, ['a b']),
    ...extra,
  ];
}

function refuses(metadata: GgufKV[], pattern: RegExp): void {
  assert.throws(() => tokenizerFromGguf(metadata), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError, `not a QuantsmithError: ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'message is not one line');
    return true;
  });
}

describe('tokenizerFromGguf refuses what it cannot tokenize as llama.cpp does', () => {
  test('no tokenizer, or a tokenizer model other than SentencePiece and GPT-2 BPE, named', () => {
    refuses([], /tokenizer\.ggml\.model is missing/);
    for (const model of ['bert', 't5', 'rwkv', 'gemma4', 'no_vocab']) {
      refuses([str('tokenizer.ggml.model', model), arr('tokenizer.ggml.tokens', GgufValueType.STRING, ['a'])], new RegExp(`'${model}' is not supported`));
    }
  });

  test('a BPE pre-tokenizer other than the Llama 3, Qwen2 and GPT-2 ones, named; none at all', () => {
    for (const pre of ['deepseek-llm', 'tekken', 'gpt-4o', 'chatglm-bpe', 'qwen35']) refuses(bpe(pre), new RegExp(`'${pre}' \\(tokenizer\\.ggml\\.pre\\) is not supported`));
    refuses(bpe(undefined), /has no pre-tokenizer/);
    refuses(bpe('default'), /has no pre-tokenizer/);
  });

  test('missing or mistyped arrays, duplicates, short score and type lists', () => {
    refuses([str('tokenizer.ggml.model', 'llama')], /tokenizer\.ggml\.tokens is missing/);
    refuses([str('tokenizer.ggml.model', 'llama'), arr('tokenizer.ggml.tokens', GgufValueType.INT32, [1, 2])], /tokenizer\.ggml\.tokens' must be an array of strings/);
    refuses(spm(['a', 'b', 'a']), /text of token 0 again at token 2/);
    refuses([...spm(['a', 'b']).slice(0, 2), arr('tokenizer.ggml.scores', GgufValueType.FLOAT32, [0])], /scores has 1 entries for 2 tokens/);
    refuses(spm(['a', 'b'], [arr('tokenizer.ggml.token_type', GgufValueType.INT32, [1])]), /token_type has 1 entries for 2 tokens/);
    refuses(spm(['a', 'b'], [arr('tokenizer.ggml.token_type', GgufValueType.FLOAT32, [1, 1])]), /token_type' must be an array of i32/);
    refuses(bpe('gpt-2').filter((kv) => kv.key !== 'tokenizer.ggml.merges'), /has no merges/);
  });

  test('vocabulary text that was not valid UTF-8 in the file', () => {
    assert.throws(() => tokenizerFromGguf({ metadata: spm(['a']), invalidUtf8: ['tokenizer.ggml.tokens'] } as never), /not valid UTF-8/);
  });

  test('a Phi-3 vocabulary without the tokens llama.cpp looks up by name', () => {
    refuses(spm(['<unk>', '<s>', 'x'], [str('general.name', 'Phi-3 mini')]), /no '<\/s>' token/);
  });

  test('encoding: a character with no token and no byte tokens; a BOS asked for but absent', () => {
    const t = tokenizerFromGguf(spm(['<unk>', '▁', 'a']));
    assert.throws(() => t.encode('b', { addBos: false, parseSpecial: false }), /no token for byte 0x62/);
    const noBos = tokenizerFromGguf(spm(['▁a']));
    assert.equal(noBos.bos, undefined);
    assert.throws(() => noBos.encode('a', { addBos: true, parseSpecial: false }), /asks for a BOS token but has none/);
  });
});

describe('tokenizerFromGguf accepts', () => {
  test('a header or its metadata list; BOS and EOS only with addBos, as the vocabulary says', () => {
    const md = spm(['<unk>', '<s>', '</s>', ...BYTES, '▁', 'h', 'i', '▁h', '▁hi'], [bool('tokenizer.ggml.add_eos_token', true)]);
    for (const t of [tokenizerFromGguf(md), tokenizerFromGguf({ metadata: md })]) {
      assert.equal(t.nVocab, 3 + 256 + 5);
      assert.equal(t.addBosDefault, true);
      assert.deepEqual([...t.encode('hi', { addBos: true, parseSpecial: false })], [1, 263, 2]);
      assert.deepEqual([...t.encode('hi', { addBos: false, parseSpecial: false })], [263]);
      assert.deepEqual([...t.encode('', { addBos: true, parseSpecial: false })], [1, 2]);
      assert.deepEqual([...t.encode('', { addBos: false, parseSpecial: false })], []);
    }
  });
});
