// The read-only rate in Node: opens the model the way the CLI does (openInput → NodeFileSource) and reads
// every tensor slab by slab, in the same slabs the engine reads, without quantizing or writing anything.
// Usage: node --import tsx scripts/bench/node-read.ts <model.gguf>; prints {"bytes":…, "seconds":…} as JSON.
import { openInput } from '../../web/src/cli/open-input.ts';
import { DEFAULT_SLAB_BYTES, slabsOf } from '../../web/src/core/engine/chunking.ts';
import { tensorRows } from '../../web/src/core/engine/model-source.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: node-read.ts <model.gguf>');
const started = performance.now();
const { source } = await openInput(path);
let bytes = 0;
try {
  for (const tensor of source.tensors) {
    const rows = tensorRows(tensor.shape);
    for (const { firstRow, rowCount } of slabsOf(rows, tensor.byteLength / rows, DEFAULT_SLAB_BYTES)) {
      bytes += (await tensor.readRows(firstRow, rowCount)).byteLength;
    }
  }
} finally {
  await source.close();
}
console.log(JSON.stringify({ bytes, seconds: (performance.now() - started) / 1000 }));
