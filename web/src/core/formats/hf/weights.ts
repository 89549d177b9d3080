// Finds and indexes the checkpoint's tensors as llama.cpp's converter does (ModelBase.index_tensors): the
// shards are the model*.safetensors files, or the ones model.safetensors.index.json names; shards are taken
// in sorted order and each shard's tensors in name order; the index and the shards must agree.
import type { ByteSource } from '../../byte-source.ts';
import { QuantsmithError, quoted, quotedJson } from '../../errors.ts';
import { readSafetensorsHeader, type SafetensorsTensor } from '../safetensors/header.ts';
import { readFolderJsonObject, type ModelFolder } from './model-folder.ts';
import { comparePy, sortedPy } from './python-compat.ts';

export const SAFETENSORS_INDEX = 'model.safetensors.index.json';

export interface CheckpointTensor {
  /** name after the converter's filter_tensors renames */
  readonly name: string;
  readonly file: ByteSource;
  readonly tensor: SafetensorsTensor;
}

export interface Checkpoint {
  /** in the converter's order; a name seen twice keeps its first place and its last data, like a Python dict */
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  readonly files: readonly ByteSource[];
  /** bytes of all shards */
  readonly sizeBytes: number;
}

/** Renames a tensor or drops it (null), as the model class's filter_tensors does. */
export type TensorFilter = (name: string) => string | null;

export async function openCheckpoint(folder: ModelFolder, filter: TensorFilter): Promise<Checkpoint> {
  const listed = folder.list().filter((f) => !f.includes('/'));
  const hasIndex = listed.includes(SAFETENSORS_INDEX);
  const { shardNames, weightMap } = hasIndex ? await readIndex(folder, listed) : { shardNames: findShards(folder, listed), weightMap: undefined };

  const files: ByteSource[] = [];
  try {
    const tensors = new Map<string, CheckpointTensor>();
    const namesInShards = new Set<string>();
    let sizeBytes = 0;
    for (const shard of shardNames) {
      const file = await folder.open(shard);
      files.push(file);
      sizeBytes += file.size;
      const header = await readSafetensorsHeader(file);
      const sorted = [...header.tensors].sort((a, b) => comparePy(a.name, b.name));
      for (const tensor of sorted) {
        namesInShards.add(tensor.name);
        const name = filter(tensor.name);
        if (name !== null) tensors.set(name, { name, file, tensor });
      }
    }
    if (weightMap) checkIndexAgrees(weightMap, namesInShards);
    return { tensors, files, sizeBytes };
  } catch (e) {
    await Promise.all(files.map((f) => f.close?.()));
    throw e;
  }
}

function findShards(folder: ModelFolder, listed: readonly string[]): string[] {
  const shards = sortedPy(listed.filter((f) => f.startsWith('model') && f.endsWith('.safetensors')));
  if (shards.length > 0) return shards;
  if (listed.some((f) => f.startsWith('pytorch_model') && f.endsWith('.bin'))) {
    throw new QuantsmithError(`${folder.name}: the weights are PyTorch .bin files; only .safetensors weights can be read`);
  }
  throw new QuantsmithError(`${folder.name}: no model*.safetensors weights found`);
}

async function readIndex(folder: ModelFolder, listed: readonly string[]): Promise<{ shardNames: string[]; weightMap: Map<string, string> }> {
  const index = await readFolderJsonObject(folder, SAFETENSORS_INDEX);
  const raw = index.weight_map;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new QuantsmithError(`${folder.name}/${SAFETENSORS_INDEX} has no "weight_map" object`);
  }
  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof shard !== 'string') {
      throw new QuantsmithError(`${folder.name}/${SAFETENSORS_INDEX}: tensor ${quoted(tensor)} maps to ${quotedJson(shard)}, not a file name`);
    }
    weightMap.set(tensor, shard);
  }
  const shardNames = sortedPy(new Set(weightMap.values()));
  const missing = shardNames.filter((s) => !listed.includes(s));
  if (missing.length > 0) {
    throw new QuantsmithError(`${folder.name}: shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''} named in ${SAFETENSORS_INDEX} ${missing.length > 1 ? 'are' : 'is'} missing`);
  }
  if (shardNames.length === 0) throw new QuantsmithError(`${folder.name}/${SAFETENSORS_INDEX} names no shards`);
  return { shardNames, weightMap };
}

function checkIndexAgrees(weightMap: ReadonlyMap<string, string>, inShards: ReadonlySet<string>): void {
  const missing = sortedPy([...weightMap.keys()].filter((n) => !inShards.has(n)));
  const extra = sortedPy([...inShards].filter((n) => !weightMap.has(n)));
  if (missing.length === 0 && extra.length === 0) return;
  const list = (names: string[]) => names.slice(0, 3).map((n) => quoted(n)).join(', ') + (names.length > 3 ? `, … (${names.length} in all)` : '');
  if (extra.length === 0) {
    const files = sortedPy(new Set(missing.map((n) => weightMap.get(n)!)));
    throw new QuantsmithError(`incomplete model files ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}: tensors ${list(missing)} named in ${SAFETENSORS_INDEX} are not in them`);
  }
  throw new QuantsmithError(`${SAFETENSORS_INDEX} and the shards disagree: ${missing.length ? `missing ${list(missing)}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `not in the index ${list(extra)}` : ''}`);
}
