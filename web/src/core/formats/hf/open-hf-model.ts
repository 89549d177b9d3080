// A Hugging Face model folder as a ModelSource: the GGUF metadata and tensors llama.cpp's
// convert_hf_to_gguf.py would write for it with --outtype set to the checkpoint's own float type.
// Everything is read and checked here, before any tensor data is; tensor rows are converted on demand.
import { QuantsmithError, quoted } from '../../errors.ts';
import type { ConvertedModel, FloatOuttype, ModelSource } from '../../engine/model-source.ts';
import type { GgufKV } from '../gguf/model.ts';
import { architectureFor, SUPPORTED_HF_ARCHITECTURES } from './architectures/index.ts';
import { checkDeclaredCounts } from './declared-counts.ts';
import { FolderFiles } from './folder-files.ts';
import { writeGeneralMetadata } from './general-metadata.ts';
import { loadHfParams } from './hparams.ts';
import { KvWriter } from './kv-writer.ts';
import type { ModelFolder } from './model-folder.ts';
import { converterTensorType, planTensors, sourceFileType, totalParameters } from './plan-tensors.ts';
import { textModelFilter } from './tensor-filter.ts';
import { TensorNameMap } from './tensor-names.ts';
import { recipeToSourceTensor } from './tensor-recipe.ts';
import { KEY, LlamaFileType, type ConvertContext, type FloatFileType } from './text-model.ts';
import { openCheckpoint, SAFETENSORS_INDEX } from './weights.ts';

/** gguf.GGML_QUANT_VERSION */
const QUANTIZATION_VERSION = 2;

export type HfOutType = 'f32' | 'f16' | 'bf16';

export interface OpenHfModelOptions {
  /** the converter's --outtype; default: the checkpoint's own float type */
  readonly outtype?: HfOutType;
}

export interface HfModelSource extends ModelSource {
  readonly format: 'safetensors';
  /** config.json's architectures[0] */
  readonly hfArchitecture: string;
  /** general.file_type of the converted model (0 = F32, 1 = F16, 32 = BF16) */
  readonly fileType: FloatFileType;
}

const OUTTYPES: Record<HfOutType, FloatFileType> = {
  f32: LlamaFileType.ALL_F32,
  f16: LlamaFileType.MOSTLY_F16,
  bf16: LlamaFileType.MOSTLY_BF16,
};

/** Whether a list of file names (relative to a folder) looks like a Hugging Face safetensors model. */
export function isHfFolder(names: readonly string[]): boolean {
  const top = names.filter((n) => !n.includes('/'));
  return top.includes('config.json') && top.some((n) => n.endsWith('.safetensors') || n === SAFETENSORS_INDEX);
}

export async function openHfModel(folder: ModelFolder, options: OpenHfModelOptions = {}): Promise<HfModelSource> {
  const files = new FolderFiles(folder);
  const params = await loadHfParams(files);
  const arch = architectureFor(params.hfArch);
  if (!arch) {
    throw new QuantsmithError(`architecture ${quoted(params.hfArch)} is not supported (supported: ${SUPPORTED_HF_ARCHITECTURES.join(', ')})`);
  }
  const checkpoint = await openCheckpoint(folder, (name) => {
    const kept = arch.filterTensor ? arch.filterTensor(name) : name;
    return kept === null ? null : textModelFilter(kept);
  });
  const closeAll = async () => {
    await Promise.all(checkpoint.files.map((f) => f.close?.()));
  };
  try {
    const ftype = options.outtype ? OUTTYPES[options.outtype] : sourceFileType(checkpoint);
    const kv = new KvWriter(arch.ggufArch);
    kv.addString('general.architecture', arch.ggufArch);
    const ctx: ConvertContext = { files, params, kv, ftype };
    await arch.check?.(ctx);
    checkDeclaredCounts(params, checkpoint);
    await arch.prepare?.(ctx);

    const recipes = planTensors(ctx, arch, checkpoint, new TensorNameMap(arch.ggufArch, params.blockCount));
    await writeGeneralMetadata(files, kv, totalParameters(recipes));
    arch.setGgufParameters(ctx);
    kv.addUint32('general.quantization_version', QUANTIZATION_VERSION);
    await arch.setVocab(ctx);

    const metadata = kv.entries();
    return {
      name: folder.name,
      format: 'safetensors',
      sizeBytes: checkpoint.sizeBytes,
      metadata,
      tensors: recipes.map(recipeToSourceTensor),
      // only general.file_type and the weights' type depend on --outtype
      convertedAs: (outtype: FloatOuttype): ConvertedModel => {
        const fileType = OUTTYPES[outtype.toLowerCase() as HfOutType];
        return {
          metadata: metadata.map((kv): GgufKV => (kv.key === KEY.fileType ? { ...kv, value: fileType } : kv)),
          tensors: recipes.map((r) => ({ name: r.name, shape: [...r.shape].reverse(), type: converterTensorType(fileType, r.name, r.shape.length) })),
        };
      },
      hfArchitecture: params.hfArch,
      fileType: ftype,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
