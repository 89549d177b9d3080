// Shared by the tokenizer oracle tests: hostile strings, the vocabularies they run on, and a comparison of our
// tokenizer with llama_tokenize that reports the first differing token in context.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { tokenizerFromGguf, type Tokenizer } from '../../web/src/core/eval/tokenizer/index.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { writeSyntheticFolder } from '../fixtures/hf/synthetic-folder.ts';
import { SYNTHETIC_SPECS } from '../fixtures/hf/synthetic-specs.ts';
import { writeSourceAsGguf } from '../fixtures/hf/write-gguf.ts';
import { REPO, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import { oracleLoadVocab, type OracleVocab } from './llama-cpp.ts';
import { llamaCppReleaseFile } from '../fixtures/llama-cpp-release.ts';

/** A vocabulary GGUF of llama.cpp's own tokenizer tests (models/ggml-vocab-NAME.gguf at the oracle's release). */
export const llamaCppVocab = (name: string): string => llamaCppReleaseFile(`models/ggml-vocab-${name}.gguf`);
export const HELDOUT = readFileSync(join(SHARED_MODEL_DIR, 'heldout.txt'), 'utf8');
export const CALIBRATION = readFileSync(join(SHARED_MODEL_DIR, 'calibration.txt'), 'utf8');

const SCRIPTS = [
  'English: The quick brown fox jumps over the lazy dog.',
  'Français : « Où est l’hôtel ? » — déjà vu, naïve, cœur.',
  'Deutsch: Straße, Größe, Fußgänger, ÄÖÜ äöü ß ẞ.',
  'Русский: Съешь же ещё этих мягких французских булок.',
  'Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.',
  'العربية: نص حكيم له سر قاطع وذو شأن عظيم',
  'עברית: דג סקרן שט בים מאוכזב',
  'हिन्दी: ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश',
  'বাংলা: আমি বাংলায় গান গাই', 'ไทย: เป็นมนุษย์สุดประเสริฐเลิศคุณค่า',
  '中文：我能吞下玻璃而不伤身体。', '日本語：いろはにほへと ちりぬるを カタカナ ｶﾀｶﾅ',
  '한국어: 다람쥐 헌 쳇바퀴에 타고파', 'Tiếng Việt: Tôi có thể ăn thủy tinh',
  'ქართული: მინას ვჭამ', 'Հայերեն: Կրնամ ապակի ուտել', 'አማርኛ: ብርጭቆ መብላት እችላለሁ',
  'ᚠᛇᚻ᛫ᛒᛦᚦ ᛖᚱᛁ', '𐍈𐌰𐌹𐌽𐍃 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕌𝕟𝕚𝕔𝕠𝕕𝕖 𝟘𝟙𝟚',
];

/** Strings meant to break a tokenizer; each is also tried with a prefix and a suffix by the tests. */
export const HOSTILE: readonly string[] = [
  '', ' ', '  ', '   ', '\t', '\n', '\n\n', '\n\n\n', '\r\n', '\r\n\r\n', '\r', ' \n', '\n ', ' \t \n \r\n ',
  '\u00a0', 'a\u00a0b', '\u00a0\u00a0x', '\u2000\u2001\u2002\u200a\u2028\u2029\u202f\u205f\u3000', '\u0085', '\u000b\u000c',
  '\u200b\u200c\u200d\ufeff', 'Hello', ' Hello', 'Hello ', '  Hello  world  ', 'hello\tworld\n',
  "I've 'told he's there, we'll 'D 'LL 'Re 'VE 'S 'T 'M it's", "''s ''' 's's", "don't DON'T Don'T",
  '0', '1', '12', '123', '1234', '12345', '123456', '1234567', '12345678', '123456789', '3.14159', '1,000,000',
  '٠١٢٣٤٥٦٧٨٩', '१२३', '①②③', 'Ⅻ ⅻ', '½ ¾ ²³',
  '🤖', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷🇯🇵', '❤️', '1️⃣', '🫠🫡', 'e\u0301 a\u0308 n\u0303', 'Z\u0351\u0352\u0353\u0354\u0355\u0356a',
  '\u1100\u1161\u11a8', 'ﬁ ﬂ', 'Ａ Ｂ ｃ', '\u{e000}\u{f8ff}', '\u{10ffff}\u{e0001}', '\u0378\u0379\u05ff', ' \u0378', '\u0378 ',
  '\ud800', '\udc00', 'a\ud800b', '\udfff\ud800', '\u0000', 'a\u0000b', '\u0001\u001f\u007f\u0080\u009f',
  '\ufffd', '¬ ­ ®', '<0x41>', '▁', '▁▁', ' ▁ ', '⁇',
  'def main():\n    return 42\n', 'for (int i = 0; i < n; ++i) { x[i] += y[i] * 2; }',
  '    if x:\n\t\tpass\n\n\n', '#include <stdio.h>\nint main(void){printf("%d\\n",1);}',
  '<html><body class="x">&amp; &lt;</body></html>', '{"key": [1, 2.5, null, true], "k2": "v"}',
  'SELECT * FROM t WHERE a >= 10 AND b <> \'x\';', 'https://example.com/a?b=c&d=e#f', 'a@b.co', '$$x^2$$ \\frac{a}{b}',
  '...', '!!!', '???!!!', '---', '___', '***', '====', '~~~', '``` ```', '(((())))', '[[[]]]', '@#$%^&*', '“”‘’',
  ' !', ' 1', ' a', '\n1', '\na', '\n!', 'a\n', '!\n', '1\n', '!\n\n', ' !\r\n', 'x\r\n\r\ny',
  '<s>', '</s>', '<unk>', '<s> hi </s>', 'x<s>y', '<s><s>', '<|endoftext|>', 'a<|endoftext|>b', '<|begin_of_text|>hi',
  '<|eot_id|>', '<|im_start|>user\nhi<|im_end|>', '<start_of_turn>user\nhi<end_of_turn>\n', '<|end|>', '<|user|>\nhi<|end|>\n<|assistant|>',
  ' <s> ', '<s>\n\n', 'a <|endoftext|> b', '<|im_start|> ', ' <|im_end|>\n',
  ...SCRIPTS,
  'a'.repeat(300), ' '.repeat(100), '\n'.repeat(50), '1'.repeat(50), '🤖'.repeat(30), 'ab '.repeat(200),
  'x'.repeat(5000), ' x'.repeat(3000),
  `${'word '.repeat(1000)}<|im_start|>user<|endoftext|>[PAD151650]<s></s><start_of_turn><unused1>\n\n<|end|>   x`, `${'word '.repeat(500)}\n`, 'Ü'.repeat(40) + '𝔘'.repeat(40),
];

/** Slices of the held-out and calibration text, cut at arbitrary points (mid-word, mid-line). */
export function textSlices(count: number, maxLen: number): string[] {
  const out: string[] = [];
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    const src = i % 2 ? HELDOUT : CALIBRATION;
    const start = rnd(src.length);
    out.push(src.slice(start, start + 1 + rnd(maxLen)));
  }
  return out;
}

/** Random strings from pieces that stress tokenizers: scripts, marks, emoji, whitespace, digits, special tokens. */
export function hostileStringArbitrary(specials: readonly string[]): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\u200d', '\u0301', "'s", "'LL", '▁'),
    fc.stringMatching(/^[0-9]{1,9}$/),
    fc.constantFrom(...SCRIPTS.map((s) => s.slice(0, 12)), 'def f(x):', '    ', '{}', '();', '==', '!='),
    fc.constantFrom(...(specials.length ? specials : ['<s>'])),
  );
  return fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
}

/** One of the synthetic HF folders, converted by Quantsmith: the GGUF a user of our converter would evaluate. */
export async function convertedSynthetic(name: string, work: string): Promise<string> {
  const dir = join(work, name);
  writeSyntheticFolder(dir, SYNTHETIC_SPECS[name]!);
  const source = await openHfModel(await openNodeFolder(dir));
  const gguf = join(work, `${name}.gguf`);
  try {
    await writeSourceAsGguf(source, gguf);
  } finally {
    await source.close();
  }
  return gguf;
}

export interface VocabPair {
  readonly name: string;
  readonly ours: Tokenizer;
  readonly oracle: OracleVocab;
}

export async function loadVocabPair(name: string, path: string): Promise<VocabPair> {
  const src = await openNodeFile(path);
  let ours: Tokenizer;
  try {
    ours = tokenizerFromGguf(await readGgufHeader(src));
  } finally {
    await src.close();
  }
  const oracle = oracleLoadVocab(path);
  assert.ok(oracle, `llama.cpp refused the vocabulary of ${path}`);
  return { name, ours, oracle };
}

/** Asserts that both give the same tokens for text, with all four combinations of add_special and parse_special. */
export function assertSameTokens(v: VocabPair, text: string, modes: readonly [boolean, boolean][] = ALL_MODES): void {
  for (const [addBos, parseSpecial] of modes) {
    const ours = v.ours.encode(text, { addBos, parseSpecial });
    const ref = v.oracle.tokenizeBytes(text, addBos, parseSpecial);
    if (ours.length === ref.length && ours.every((t, i) => t === ref[i])) continue;
    let i = 0;
    while (i < ours.length && ours[i] === ref[i]) i++;
    assert.fail(
      `${v.name} (addBos ${addBos}, parseSpecial ${parseSpecial}) differs at token ${i} for ${JSON.stringify(text.slice(0, 200))}: ` +
        `ours [${[...ours.slice(i, i + 8)]}] llama.cpp [${[...ref.slice(i, i + 8)]}] (${ours.length} vs ${ref.length} tokens)`,
    );
  }
}

const utf8 = new TextDecoder();

/** Asserts that decoding gives llama_detokenize's text, with every combination of its two flags. */
export function assertSameText(v: VocabPair, tokens: Int32Array): void {
  for (const [removeSpecial, unparseSpecial] of ALL_MODES) {
    const ours = v.ours.decode!(tokens, { removeSpecial, unparseSpecial });
    const ref = utf8.decode(v.oracle.detokenize(tokens, removeSpecial, unparseSpecial));
    if (ours !== ref) {
      let i = 0;
      while (i < ours.length && ours[i] === ref[i]) i++;
      assert.fail(`${v.name} decode (removeSpecial ${removeSpecial}, unparseSpecial ${unparseSpecial}) of [${[...tokens.slice(0, 12)]}…] differs at ` +
        `character ${i}: ours ${JSON.stringify(ours.slice(i, i + 30))} llama.cpp ${JSON.stringify(ref.slice(i, i + 30))}`);
    }
  }
}

export const ALL_MODES: readonly [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
