// The Hugging Face architectures (config.json "architectures"[0]) that can be converted, each with the
// llama.cpp model class behaviour it follows.
import type { Architecture } from '../architecture.ts';
import { gemma2Architecture, gemma3Architecture } from './gemma.ts';
import { llamaArchitecture } from './llama.ts';
import { phi3Architecture } from './phi3.ts';
import { qwen2Architecture, qwen3Architecture } from './qwen.ts';

const ARCHITECTURES: Readonly<Record<string, () => Architecture>> = {
  LlamaForCausalLM: llamaArchitecture,
  MistralForCausalLM: llamaArchitecture,
  Qwen2ForCausalLM: qwen2Architecture,
  Qwen3ForCausalLM: qwen3Architecture,
  Gemma2ForCausalLM: gemma2Architecture,
  Gemma3ForCausalLM: gemma3Architecture,
  Phi3ForCausalLM: phi3Architecture,
};

export const SUPPORTED_HF_ARCHITECTURES: readonly string[] = Object.keys(ARCHITECTURES);

export function architectureFor(hfArch: string): Architecture | undefined {
  return Object.hasOwn(ARCHITECTURES, hfArch) ? ARCHITECTURES[hfArch]!() : undefined;
}
