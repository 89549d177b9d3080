// Running Quantsmith's evaluator on a GGUF file in-process, for tests: all logits of one sequence.
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { tensorRows } from '../../web/src/core/engine/model-source.ts';
import { blockTensorNames, llamaConfig } from '../../web/src/core/eval/llama-config.ts';
import { createEvalService } from '../../web/src/core/eval/eval-service.ts';
import { WasmBackend } from '../../web/src/core/eval/wasm-backend.ts';
import type { TensorBytes } from '../../web/src/core/eval/tensor-bytes.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { loadWasmModuleFromDisk } from '../../web/src/io/node-wasm.ts';

let module: Promise<WebAssembly.Module> | undefined;
export function evalWasmModule(): Promise<WebAssembly.Module> {
  module ??= loadWasmModuleFromDisk();
  return module;
}

/** The evaluator's logits (n × n_vocab) for one sequence of tokens at positions 0…n-1, as given (no BOS added). */
export async function evaluatorLogits(path: string, tokens: Int32Array): Promise<{ logits: Float32Array; nVocab: number }> {
  const model = await openGgufModel(await openNodeFile(path));
  try {
    const config = llamaConfig(model, path);
    const byName = new Map(model.tensors.map((t) => [t.name, t]));
    const read = async (name: string): Promise<TensorBytes> => {
      const t = byName.get(name)!;
      return { name, type: t.type, shape: t.shape, bytes: await t.readRows(0, tensorRows(t.shape)) };
    };
    const service = createEvalService(await WasmBackend.create(await evalWasmModule()));
    service.begin({ configs: [config], chunks: [{ index: 0, tokens }] });
    service.embed(0, await read('token_embd.weight'));
    for (let layer = 0; layer < config.nLayer; layer++) {
      service.block(0, layer, await Promise.all(blockTensorNames(layer, (n) => byName.has(n)).map(read)));
    }
    const head = { outputNorm: await read('output_norm.weight'), output: await read(config.tiedOutput ? 'token_embd.weight' : 'output.weight') };
    return { logits: service.chunkLogits(0, head, 0), nVocab: config.nVocab };
  } finally {
    await model.close();
  }
}
