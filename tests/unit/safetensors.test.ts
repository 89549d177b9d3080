// The safetensors header reader: a valid file's tensors and metadata, and a one-line error naming the file
// for every way a header can be broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { readSafetensorsHeader, SAFETENSORS_MAX_HEADER_BYTES } from '../../web/src/core/formats/safetensors/header.ts';
import type { ByteSource } from '../../web/src/core/byte-source.ts';
import { encodeSafetensors } from '../fixtures/hf/safetensors-writer.ts';

function memory(bytes: Uint8Array, name = 'model.safetensors'): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => {
      if (offset + length > bytes.length) throw new QuantsmithError('read past the end');
      return bytes.slice(offset, offset + length);
    },
  };
}

/** A file made of an 8-byte length, the given header text, then `dataBytes` zero bytes. */
function withHeader(header: string | object, dataBytes = 64, declaredLength?: number): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  out.set(json, 8);
  return out;
}

async function rejects(bytes: Uint8Array, message: RegExp): Promise<void> {
  await assert.rejects(readSafetensorsHeader(memory(bytes)), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError, `not a QuantsmithError: ${String(e)}`);
    assert.match(e.message, /^model\.safetensors: /);
    assert.match(e.message, message);
    return true;
  });
}

test('a valid file: tensors with absolute offsets, shapes, dtypes and the metadata map', async () => {
  const bytes = encodeSafetensors([
    { name: 'b.weight', dtype: 'F16', shape: [2, 3], data: new Uint8Array(12).fill(1) },
    { name: 'a.bias', dtype: 'F32', shape: [3], data: new Uint8Array(12).fill(2) },
    { name: 'empty', dtype: 'BF16', shape: [0, 4], data: new Uint8Array(0) },
  ], { format: 'pt' });
  const header = await readSafetensorsHeader(memory(bytes));
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(header.dataOffset, 8 + headerLength);
  assert.deepEqual(header.metadata, { format: 'pt' });
  assert.deepEqual(header.tensors.map((t) => [t.name, t.dtype, t.shape, t.offset - header.dataOffset, t.byteLength]), [
    ['b.weight', 'F16', [2, 3], 0, 12],
    ['a.bias', 'F32', [3], 12, 12],
    ['empty', 'BF16', [0, 4], 24, 0],
  ]);
  assert.ok(bytes.slice(header.tensors[1]!.offset, header.tensors[1]!.offset + 12).every((b) => b === 2));
});

test('a file shorter than the length field', async () => {
  await rejects(new Uint8Array(5), /too short/);
});

test('a header length past the end of the file', async () => {
  await rejects(withHeader('{}', 0, 1000), /header length 1000 runs past the end of the file/);
});

test('a header larger than the library\'s limit is refused before it is read', async () => {
  let largestRead = 0;
  const size = SAFETENSORS_MAX_HEADER_BYTES + 100;
  const huge: ByteSource = {
    name: 'model.safetensors',
    size,
    read: async (offset, length) => {
      largestRead = Math.max(largestRead, length);
      const out = new Uint8Array(length);
      if (offset === 0) new DataView(out.buffer).setBigUint64(0, BigInt(size - 50), true);
      return out;
    },
  };
  await assert.rejects(readSafetensorsHeader(huge), /larger than the 100000000-byte limit/);
  assert.equal(largestRead, 8);
});

test('a header that is not JSON, not UTF-8, or not an object', async () => {
  await rejects(withHeader('{"a": '), /not valid UTF-8 JSON/);
  const bad = withHeader('{"x":1}');
  bad[10] = 0xff;
  await rejects(bad, /not valid UTF-8 JSON/);
  await rejects(withHeader('[1, 2]'), /not a JSON object/);
});

test('broken tensor entries name the tensor', async () => {
  const entry = (e: unknown) => withHeader({ t: e });
  await rejects(entry(5), /tensor 't': header entry is not an object/);
  await rejects(entry({ shape: [1], data_offsets: [0, 4] }), /tensor 't': missing dtype/);
  await rejects(entry({ dtype: 'F12', shape: [1], data_offsets: [0, 4] }), /unknown dtype 'F12'/);
  await rejects(entry({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), /shape must be a list of non-negative integers/);
  await rejects(entry({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }), /shape must be a list/);
  await rejects(entry({ dtype: 'F32', shape: [1], data_offsets: [0] }), /data_offsets must be two non-negative integers/);
  await rejects(entry({ dtype: 'F32', shape: [1], data_offsets: [8, 4] }), /end before they begin/);
  await rejects(entry({ dtype: 'F32', shape: [32], data_offsets: [0, 128] }), /run past the 64 bytes of data/);
  await rejects(entry({ dtype: 'F32', shape: [3], data_offsets: [0, 16] }), /F32 shape \[3\] needs 12 bytes but data_offsets span 16/);
});

test('overlapping tensors', async () => {
  await rejects(withHeader({
    a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
    b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
  }), /tensors 'a' and 'b' overlap/);
});

test('__metadata__ must map strings to strings', async () => {
  await rejects(withHeader({ __metadata__: { format: 1 } }), /"__metadata__" must map strings to strings/);
});

test('errors carry the byte offset where they apply', async () => {
  const bytes = withHeader({ t: { dtype: 'F32', shape: [3], data_offsets: [4, 20] } });
  await assert.rejects(readSafetensorsHeader(memory(bytes)), (e: QuantsmithError) => {
    assert.equal(e.offset, bytes.length - 64 + 4);
    return true;
  });
});
