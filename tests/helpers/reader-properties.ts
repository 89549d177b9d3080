// The property-based tests (fast-check) of every reader of untrusted input, run one by one in a watched
// worker by tests/unit/property-readers.test.ts: mutated GGUF headers, safetensors headers, config.json and
// tokenizer files of a Hugging Face folder (through openHfModel on a folder in memory), and preset links.
// Each case ends in success or a named one-line QuantsmithError, within a time bound, without a heap growth
// on the scale of a declared size. Run counts are fixed and small; the seed is fixed too, so a failure
// reproduces (fast-check prints the shrunk counterexample).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodePresetLink } from '../../web/src/app/presets/preset-url.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import type { ModelFolder } from '../../web/src/core/formats/hf/model-folder.ts';
import { readSafetensorsHeader } from '../../web/src/core/formats/safetensors/header.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { encodeGgufFile } from '../fixtures/gguf-file.ts';
import { writeSyntheticFolder, type SynthSpec } from '../fixtures/hf/synthetic-folder.ts';
import { MemorySource } from '../fixtures/memory-source.ts';
import { assertNamedOutcome, assertShortLine, caseEnded, caseStarted } from './property.ts';

const SEED = 20261201;
const settings = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

// ---- byte mutations ------------------------------------------------------------------------------------

/** Overwrites with random bytes, with large little-endian integers (counts, lengths), and a truncation. */
function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(base.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant('u64' as const), at: fc.nat(Math.max(0, base.length - 8)),
      value: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 63n, 64n, 1n << 31n, 1n << 32n, 8_611_781n, (1n << 63n) - 1n)),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(base.length), value: fc.constant(0) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let bytes = base.slice();
    for (const e of edits) {
      if (e.kind === 'byte') bytes[Math.min(e.at, bytes.length - 1)] = e.value as number;
      else if (e.kind === 'u64' && e.at + 8 <= bytes.length) new DataView(bytes.buffer).setBigUint64(e.at, e.value as bigint, true);
      else if (e.kind === 'cut') bytes = bytes.slice(0, e.at);
    }
    return bytes;
  });
}

// ---- GGUF --------------------------------------------------------------------------------------------

const kv = (key: string, type: V, value: GgufKV['value']): GgufKV => ({ key, type, value });
const GGUF_BASE = encodeGgufFile({
  metadata: [
    kv('general.architecture', V.STRING, 'llama'),
    kv('general.alignment', V.UINT32, 32),
    kv('llama.block_count', V.UINT32, 1),
    kv('tokenizer.ggml.tokens', V.ARRAY, { itemType: V.STRING, items: ['<s>', '</s>', 'hello', 'world'] }),
    kv('tokenizer.ggml.scores', V.ARRAY, { itemType: V.FLOAT32, items: [0, 0, -1, -2] }),
    kv('test.nested', V.ARRAY, { itemType: V.ARRAY, items: [{ itemType: V.UINT8, items: [1, 2] }] }),
  ],
  tensors: [
    { name: 'token_embd.weight', shape: [32, 4], type: GgmlType.F16 },
    { name: 'blk.0.attn_q.weight', shape: [32, 3], type: GgmlType.Q8_0 },
  ],
}).bytes;

export const PROPERTIES: Record<string, () => Promise<void>> = {};

PROPERTIES['GGUF reader: mutated headers are read or refused by name'] = async () => {
  await fc.assert(fc.asyncProperty(mutatedBytes(GGUF_BASE), async (bytes) => {
    await assertNamedOutcome('GGUF', () => readGgufHeader(new MemorySource(bytes), { windowSize: 64 }));
  }), settings(400));
};

// ---- safetensors -------------------------------------------------------------------------------------

function safetensorsFile(header: string, lengthField?: bigint, data = 64): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const tensorEntry = fc.record({
  dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'F64'), fc.string()),
  shape: fc.oneof(fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 3 }), fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()), { maxLength: 3 }), fc.anything()),
  data_offsets: fc.oneof(fc.tuple(fc.nat(64), fc.nat(64)), fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 3 }), fc.anything()),
}, { requiredKeys: [] });
const safetensorsHeader = fc.oneof(
  fc.dictionary(fc.string(), fc.oneof(tensorEntry, fc.anything()), { maxKeys: 5 }).map((o) => JSON.stringify(o)),
  fc.json(),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

PROPERTIES['safetensors header: hostile JSON and length fields are read or refused by name'] = async () => {
  await fc.assert(fc.asyncProperty(
    safetensorsHeader, fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { freq: 4 }),
    async (header, lengthField) => {
      const bytes = safetensorsFile(header, lengthField ?? undefined);
      await assertNamedOutcome('safetensors', () => readSafetensorsHeader(new MemorySource(bytes, 'model.safetensors')));
    },
  ), settings(400));
};

// ---- Hugging Face folders in memory ------------------------------------------------------------------

/** A synthetic folder read into memory once; each case replaces some of its files. */
function memoryFolder(spec: SynthSpec): Map<string, Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'qs-prop-'));
  try {
    writeSyntheticFolder(dir, spec);
    return new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function folderOf(files: ReadonlyMap<string, Uint8Array>): ModelFolder {
  return {
    name: 'prop-model',
    list: () => [...files.keys()],
    open: async (path) => {
      const bytes = files.get(path);
      if (!bytes) throw new Error(`no file ${path}`);
      return new MemorySource(bytes, path);
    },
  };
}

const text = (s: string) => new TextEncoder().encode(s);
// written once, when the worker loads this module
const spmFolder = memoryFolder({ arch: 'llama', dtype: 'F16', tokenizer: 'spm', tokenizerJson: { added_tokens: [] } });
const bpeFolder = memoryFolder({ arch: 'qwen2', dtype: 'F16', tokenizer: 'gpt2' });

async function openWith(base: ReadonlyMap<string, Uint8Array>, replaced: Record<string, Uint8Array | string>): Promise<void> {
  const files = new Map(base);
  for (const [k, v] of Object.entries(replaced)) files.set(k, typeof v === 'string' ? text(v) : v);
  await assertNamedOutcome(`openHfModel(${Object.keys(replaced).join(', ')})`, async () => {
    const model = await openHfModel(folderOf(files));
    await model.close?.();
    return model;
  });
}

/** counts and sizes the converter reads, each set to hostile values */
const CONFIG_KEYS = ['num_hidden_layers', 'n_layers', 'vocab_size', 'hidden_size', 'intermediate_size', 'num_attention_heads',
  'num_key_value_heads', 'head_dim', 'num_local_experts', 'num_experts_per_tok', 'max_position_embeddings', 'rope_theta',
  'rms_norm_eps', 'architectures', 'rope_scaling', 'text_config', 'tie_word_embeddings', 'bos_token_id', 'eos_token_id'];
const hostileValue = fc.oneof(
  // counts far past what the checkpoint holds, most often: they are what once exhausted the heap
  { arbitrary: fc.constantFrom(1e7, 1e9, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 3), weight: 4 },
  fc.constantFrom(0, -1, 1, 2, 1e300, 0.5, null, true, 'x\ny', [], {}),
  fc.integer(), fc.double(), fc.string(), fc.array(fc.integer(), { maxLength: 4 }),
  fc.record({ rope_type: fc.constantFrom('llama3', 'linear', 'yarn', 'longrope', 'x'), factor: fc.oneof(fc.double(), fc.string()) }, { requiredKeys: [] }),
  fc.anything({ maxDepth: 2 }),
);

PROPERTIES['config.json: hostile counts and values are converted or refused by name'] = async () => {
  const config = JSON.parse(new TextDecoder().decode(spmFolder.get('config.json'))) as Record<string, unknown>;
  await fc.assert(fc.asyncProperty(
    fc.dictionary(fc.constantFrom(...CONFIG_KEYS), hostileValue, { minKeys: 1, maxKeys: 3 }), fc.boolean(),
    async (changes, bpe) => {
      const base = bpe ? bpeFolder : spmFolder;
      const own = JSON.parse(new TextDecoder().decode(base.get('config.json'))) as Record<string, unknown>;
      await openWith(base, { 'config.json': JSON.stringify({ ...(bpe ? own : config), ...changes }) });
    },
  ), settings(150));
};

PROPERTIES['tokenizer.model: mutated SentencePiece models are read or refused by name'] = async () => {
  await fc.assert(fc.asyncProperty(mutatedBytes(spmFolder.get('tokenizer.model')!), async (bytes) => {
    await openWith(spmFolder, { 'tokenizer.model': bytes });
  }), settings(150));
};

const addedToken = fc.record({
  id: fc.oneof(fc.nat(400), fc.integer(), fc.constantFrom(2 ** 31, 2 ** 53, -1), fc.string()),
  content: fc.oneof(fc.string(), fc.constantFrom('<tool>', '\n', ''), fc.anything()),
  special: fc.anything(), normalized: fc.boolean(),
}, { requiredKeys: [] });

PROPERTIES['tokenizer_config.json and tokenizer.json: hostile added tokens and fields are read or refused by name'] = async () => {
  await fc.assert(fc.asyncProperty(
    fc.dictionary(fc.oneof(fc.nat(400).map(String), fc.string()), addedToken, { maxKeys: 4 }),
    fc.array(addedToken, { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('bos_token', 'eos_token', 'add_bos_token', 'chat_template', 'model_max_length'), fc.anything({ maxDepth: 1 }), { maxKeys: 2 }),
    async (decoder, added, extra) => {
      await openWith(spmFolder, {
        'tokenizer_config.json': JSON.stringify({ added_tokens_decoder: decoder, ...extra }),
        'tokenizer.json': JSON.stringify({ added_tokens: added }),
      });
    },
  ), settings(150));
};

PROPERTIES['tokenizer.json of a BPE model: mutated vocabularies and added tokens are read or refused by name'] = async () => {
  const json = JSON.parse(new TextDecoder().decode(bpeFolder.get('tokenizer.json'))) as { model: { vocab: Record<string, number> }; added_tokens: unknown[] };
  await fc.assert(fc.asyncProperty(
    fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.nat(60000), fc.integer(), fc.constantFrom(2 ** 31, -1)), { maxKeys: 3 }),
    fc.array(addedToken, { maxLength: 3 }),
    async (vocabEdits, added) => {
      const changed = { ...json, model: { ...json.model, vocab: { ...json.model.vocab, ...vocabEdits } }, added_tokens: [...json.added_tokens, ...added] };
      await openWith(bpeFolder, { 'tokenizer.json': JSON.stringify(changed) });
    },
  ), settings(30));
};

// ---- preset links ------------------------------------------------------------------------------------

const linkPart = fc.oneof(
  fc.constantFrom('type=Q4_K_M', 'type=', 'pure', 'pure=2', 'output-tensor-type=q6_K', 'tensor-type=attn_v%3Dq8_0',
    'override-kv=general.name%3Dstr:x', 'override-kv=a%0Ab%3Dint:1', '%E0%A4%A', 'tensor-type=%28%3Dq4_0', 'type=Q4_K_M,Q8_0,XX'),
  fc.string(), fc.string({ unit: 'binary' }),
);

PROPERTIES['preset links: any fragment reads as a preset or one short line naming the problems'] = async () => {
  fc.assert(fc.property(fc.array(linkPart, { maxLength: 8 }).map((parts) => `#${parts.join('&')}`), (fragment) => {
    caseStarted();
    const reading = decodePresetLink(fragment);
    if (reading.kind === 'malformed') assertShortLine('preset link', reading.message);
    else assert.ok(reading.kind === 'none' || reading.kind === 'preset');
    caseEnded();
  }), settings(500));
};
