// Hugging Face safetensors folders as quantization sources.
export { openHfModel, isHfFolder, type HfModelSource, type OpenHfModelOptions, type HfOutType } from './open-hf-model.ts';
export type { ModelFolder } from './model-folder.ts';
export { SUPPORTED_HF_ARCHITECTURES } from './architectures/index.ts';
