// Synthetic Hugging Face folders of every supported architecture (SentencePiece and BPE tokenizers, F32/F16/BF16,
// sharded, tied): our ModelSource written as GGUF is byte-identical to what llama.cpp's convert_hf_to_gguf.py
// wrote for the same folder (converter-digests.json), llama.cpp quantizes that file and loads its vocabulary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { writeSyntheticFolder } from '../fixtures/hf/synthetic-folder.ts';
import { SYNTHETIC_SPECS } from '../fixtures/hf/synthetic-specs.ts';
import { writeSourceAsGguf } from '../fixtures/hf/write-gguf.ts';
import { oracleLoadVocab, oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const digests = JSON.parse(readFileSync(new URL('../fixtures/hf/converter-digests.json', import.meta.url), 'utf8')) as
  Record<string, { sha256: string; bytes: number }>;
const LLAMA_FTYPE_MOSTLY_Q8_0 = 7;

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'qs-hf-synth-'));
  oracleQuietLogs();
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('synthetic folders convert exactly as convert_hf_to_gguf.py does', () => {
  for (const [name, spec] of Object.entries(SYNTHETIC_SPECS)) {
    test(`${name} (${spec.arch}, ${spec.dtype}, ${spec.tokenizer})`, async () => {
      const dir = join(work, name);
      const config = writeSyntheticFolder(dir, spec);
      const source = await openHfModel(await openNodeFolder(dir));
      const gguf = join(work, `${name}.gguf`);
      try {
        await writeSourceAsGguf(source, gguf);
      } finally {
        await source.close();
      }
      const bytes = readFileSync(gguf);
      const expected = digests[name];
      assert.ok(expected, `no converter digest recorded for ${name}`);
      assert.equal(bytes.length, expected.bytes, 'file size differs from the converter\'s');
      assert.equal(createHash('sha256').update(bytes).digest('hex'), expected.sha256, 'bytes differ from the converter\'s');

      assert.equal(oracleQuantizeFile(gguf, join(work, `${name}.q8_0.gguf`), { ftype: LLAMA_FTYPE_MOSTLY_Q8_0 }), 0, 'llama.cpp failed to quantize it');
      const vocab = oracleLoadVocab(gguf);
      assert.ok(vocab, 'llama.cpp refused the vocabulary');
      try {
        assert.equal(vocab.nTokens, config.vocab_size);
        if (spec.tokenizer === 'gpt2') {
          // llama.cpp's GPT-2 pre-tokenizer and merges give GPT-2's ids for a text the subset vocabulary covers
          assert.deepEqual(vocab.tokenize("I've been 'told he's there", false), [40, 1053, 587, 705, 44040, 339, 338, 612]);
        }
      } finally {
        vocab.free();
      }
    });
  }
});
