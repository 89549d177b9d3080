// The C kernels' type table (wasm/type_traits.def, read back from the built module) and the TypeScript
// table (web/src/core/quant/ggml-types.ts) must describe the same types with the same facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { GGML_TYPES } from '../../web/src/core/quant/ggml-types.ts';

const kernels = await loadKernelsFromDisk();

test('the WASM module handles exactly the types ggml-types.ts marks as kernel types', () => {
  const fromWasm = kernels.types.map((t) => t.id).sort((a, b) => a - b);
  const fromTs = GGML_TYPES.filter((t) => t.kernel).map((t) => t.id).sort((a, b) => a - b);
  assert.deepEqual(fromWasm, fromTs);
  assert.ok(fromWasm.length >= 21, `${fromWasm.length} kernel types`); // at least the 21 of issue #8's kernel side
});

test('names, block sizes and bytes per block agree for every kernel type', () => {
  for (const k of kernels.types) {
    const t = GGML_TYPES.find((x) => x.id === k.id);
    assert.ok(t, `type ${k.id} (${k.name}) missing from ggml-types.ts`);
    assert.deepEqual(
      { id: k.id, name: k.name, blockSize: k.blockSize, bytesPerBlock: k.bytesPerBlock },
      { id: t.id, name: t.name, blockSize: t.blockSize, bytesPerBlock: t.bytesPerBlock },
      `type ${k.id}`,
    );
  }
});

test('each kernel type id appears once in the WASM table', () => {
  const ids = kernels.types.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length);
});
