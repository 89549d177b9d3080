// Counts a config.json declares are checked against the checkpoint before anything is sized from them:
// each hostile count is refused at once with one named line, through openHfModel (what the app and CLI call).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { HOSTILE_CONFIGS, writeHostileFolder } from '../fixtures/hostile-files.ts';

let work: string;
let n = 0;
before(() => { work = mkdtempSync(join(tmpdir(), 'qs-counts-')); });
after(() => rmSync(work, { recursive: true, force: true }));

async function refusedQuickly(change: Record<string, unknown>, message: RegExp, tokenizer: 'spm' | 'gpt2' = 'spm'): Promise<void> {
  const dir = writeHostileFolder(join(work, `c${++n}`), change, { arch: 'llama', dtype: 'F16', tokenizer });
  const heapBefore = process.memoryUsage().heapUsed;
  await assert.rejects(openHfModel(await openNodeFolder(dir)), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError, `not a QuantsmithError: ${String(e)}`);
    assert.ok(!e.message.includes('\n') && e.message.length < 300, e.message);
    assert.match(e.message, message);
    return true;
  });
  // nothing of the declared size was built (a padded vocabulary of 2^31 tokens is tens of GB)
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 << 20, 'heap growth under 64 MiB');
}

test("the issue's layer and vocabulary counts are refused by name, with either tokenizer", async () => {
  for (const { change, message } of HOSTILE_CONFIGS) {
    await refusedQuickly(change, message);
    await refusedQuickly(change, message, 'gpt2');
  }
});

test('vocabulary, head, hidden and expert sizes beyond what the tensors hold', async () => {
  await refusedQuickly({ vocab_size: 30_000_000 }, /vocab_size is 30000000, but the token embedding/);
  await refusedQuickly({ head_dim: 10_000_000_000, rope_scaling: { rope_type: 'llama3', factor: 8 } }, /head_dim is 10000000000, but no tensor in the checkpoint has a dimension that large/);
  await refusedQuickly({ hidden_size: 4_294_967_296 }, /hidden_size is 4294967296/);
  await refusedQuickly({ num_local_experts: 1e9 }, /expert count 1000000000 is more than the \d+ tensors/);
  await refusedQuickly({ num_hidden_layers: 3 }, /num_hidden_layers is 3, but the checkpoint holds tensors for 2 layers/);
});

test('a layer count below the layers present still names the tensor that does not map', async () => {
  await refusedQuickly({ num_hidden_layers: 1 }, /cannot map tensor 'model\.layers\.1\./);
});
