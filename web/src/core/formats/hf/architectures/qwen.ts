// Qwen2ForCausalLM and Qwen3ForCausalLM (llama.cpp's Qwen2Model and Qwen3Model): no tensor edits, the
// common hyperparameters plus a sentence-transformers pooling type, and a SentencePiece or BPE tokenizer.
import { QuantsmithError } from '../../../errors.ts';
import type { Architecture } from '../architecture.ts';
import type { FolderFiles } from '../folder-files.ts';
import { isObject } from '../hparams.ts';
import { pyTruthy } from '../python-compat.ts';
import { archKey, KEY, setTextModelParameters, type ConvertContext } from '../text-model.ts';
import { SPM_FILE } from '../tokenizer/sentencepiece-vocab.ts';
import { writeGpt2Vocab, writeSentencePieceVocab } from '../tokenizer/write-vocab.ts';

export function qwen2Architecture(): Architecture {
  return qwenArchitecture('qwen2');
}

export function qwen3Architecture(): Architecture {
  return { ...qwenArchitecture('qwen3'), check: refuseReranker };
}

function qwenArchitecture(ggufArch: 'qwen2' | 'qwen3'): Architecture {
  let pooling: number | undefined;
  return {
    ggufArch,
    async prepare(ctx) {
      pooling = await readPoolingType(ctx.files);
    },
    setGgufParameters(ctx) {
      setTextModelParameters(ctx);
      if (pooling !== undefined) ctx.kv.addUint32(archKey(ctx, KEY.poolingType), pooling);
    },
    setVocab: setQwenVocab,
  };
}

async function setQwenVocab(ctx: ConvertContext): Promise<void> {
  if (ctx.files.has(SPM_FILE)) await writeSentencePieceVocab(ctx);
  else await writeGpt2Vocab(ctx);
}

/** Qwen3 rerankers get a classifier head and their own chat template; not supported here. */
async function refuseReranker(ctx: ConvertContext): Promise<void> {
  const { files, params } = ctx;
  const readme = files.has('README.md') ? (await files.text('README.md')).toLowerCase() : '';
  const hints = [files.name, params.hparams._name_or_path, params.hparams.model_type, params.hfArch]
    .filter((h) => typeof h === 'string' && h !== '')
    .map((h) => (h as string).toLowerCase());
  if (readme.includes('# qwen3-reranker') || readme.includes('# qwen3-vl-reranker')
    || hints.some((h) => h.includes('qwen3-reranker') || h.includes('qwen3-vl-reranker'))) {
    throw new QuantsmithError('Qwen3 reranker models are not supported');
  }
}

const POOLING_MODES: Record<string, number> = { mean: 1, cls: 2, lasttoken: 3 };

/** _try_set_pooling_type: a sentence-transformers folder names its pooling in modules.json */
export async function readPoolingType(files: FolderFiles): Promise<number | undefined> {
  if (!files.has('modules.json')) return undefined;
  const modules = await files.json('modules.json');
  if (!Array.isArray(modules)) throw new QuantsmithError('modules.json must hold a list');
  const pooling = modules.find((m) => isObject(m) && typeof m.type === 'string' && m.type.endsWith('Pooling'));
  if (!isObject(pooling)) return undefined;
  const config = await files.jsonObject(`${String(pooling.path)}/config.json`);
  if (pyTruthy(config.pooling_mode_mean_tokens)) return 1;
  if (pyTruthy(config.pooling_mode_cls_token)) return 2;
  if (pyTruthy(config.pooling_mode_lasttoken)) return 3;
  const mode = POOLING_MODES[String(config.pooling_mode)];
  if (mode === undefined) throw new QuantsmithError('only mean, cls and last-token pooling are supported');
  return mode;
}
