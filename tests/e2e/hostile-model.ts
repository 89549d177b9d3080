// A small GGUF whose metadata strings are HTML and script: the app must show them as text and run nothing.
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import { syntheticMetadata, syntheticTensors, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';

export const XSS_NAME = '<img src=x onerror="window.__xss=1">';
export const XSS_DESCRIPTION = '<script>window.__xss=2</script><b>bold?</b>';

const spec: SyntheticModelSpec = {
  id: 'hostile', arch: 'llama', dtype: 'f16', nLayer: 1, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 256, seed: 9,
};

export function writeHostileModel(path: string): void {
  const metadata: GgufKV[] = syntheticMetadata(spec).map((kv) =>
    kv.key === 'general.name' ? { key: kv.key, type: V.STRING, value: XSS_NAME } : kv,
  );
  if (!metadata.some((kv) => kv.key === 'general.name')) metadata.splice(1, 0, { key: 'general.name', type: V.STRING, value: XSS_NAME });
  metadata.push({ key: 'general.description', type: V.STRING, value: XSS_DESCRIPTION });
  writeGgufFile(path, { metadata, tensors: syntheticTensors(spec) });
}
