// Checkpoint tensor names → GGUF tensor names for the supported architectures: the part of gguf-py's
// TensorNameMap these models use. A name maps only if its GGUF tensor is one the architecture has
// (MODEL_TENSORS), and only for blocks below the block count; GGUF names map to themselves.
import { QuantsmithError, quoted } from '../../errors.ts';

export type GgufArch = 'llama' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3' | 'phi3';

/** GGUF tensor → the checkpoint names (without .weight/.bias) that map to it; {bid} is the block number */
const HF_NAMES: Record<string, readonly string[]> = {
  token_embd: ['model.embed_tokens'],
  output_norm: ['model.norm'],
  output: ['lm_head'],
  rope_freqs: [],
  rope_factors_long: [],
  rope_factors_short: [],
  'blk.{bid}.attn_norm': ['model.layers.{bid}.input_layernorm'],
  'blk.{bid}.attn_qkv': ['model.layers.{bid}.self_attn.qkv_proj'],
  'blk.{bid}.attn_q': ['model.layers.{bid}.self_attn.q_proj'],
  'blk.{bid}.attn_k': ['model.layers.{bid}.self_attn.k_proj'],
  'blk.{bid}.attn_v': ['model.layers.{bid}.self_attn.v_proj'],
  'blk.{bid}.attn_output': ['model.layers.{bid}.self_attn.o_proj'],
  'blk.{bid}.attn_q_norm': ['model.layers.{bid}.self_attn.q_norm'],
  'blk.{bid}.attn_k_norm': ['model.layers.{bid}.self_attn.k_norm'],
  'blk.{bid}.attn_rot_embd': ['model.layers.{bid}.self_attn.rotary_emb.inv_freq'],
  'blk.{bid}.ffn_gate': ['model.layers.{bid}.mlp.gate_proj'],
  'blk.{bid}.ffn_up': ['model.layers.{bid}.mlp.up_proj', 'model.layers.{bid}.mlp.gate_up_proj'],
  'blk.{bid}.ffn_down': ['model.layers.{bid}.mlp.down_proj'],
};

/** Llama-style norms: post_attention_layernorm is the FFN norm */
const LLAMA_NORMS: Record<string, readonly string[]> = {
  'blk.{bid}.ffn_norm': ['model.layers.{bid}.post_attention_layernorm'],
};

/** Gemma 2/3 norms: four per block */
const GEMMA_NORMS: Record<string, readonly string[]> = {
  'blk.{bid}.post_attention_norm': ['model.layers.{bid}.post_attention_layernorm'],
  'blk.{bid}.ffn_norm': ['model.layers.{bid}.pre_feedforward_layernorm'],
  'blk.{bid}.post_ffw_norm': ['model.layers.{bid}.post_feedforward_layernorm'],
};

/** gguf-py's MODEL_TENSORS for each architecture, restricted to the tensors above */
const ARCH_TENSORS: Record<GgufArch, readonly string[]> = {
  llama: ['token_embd', 'output_norm', 'output', 'rope_freqs', 'blk.{bid}.attn_norm', 'blk.{bid}.attn_qkv', 'blk.{bid}.attn_q',
    'blk.{bid}.attn_k', 'blk.{bid}.attn_v', 'blk.{bid}.attn_output', 'blk.{bid}.attn_rot_embd', 'blk.{bid}.ffn_norm',
    'blk.{bid}.ffn_gate', 'blk.{bid}.ffn_down', 'blk.{bid}.ffn_up'],
  qwen2: ['token_embd', 'output_norm', 'output', 'rope_freqs', 'blk.{bid}.attn_norm', 'blk.{bid}.attn_qkv', 'blk.{bid}.attn_q',
    'blk.{bid}.attn_k', 'blk.{bid}.attn_v', 'blk.{bid}.attn_output', 'blk.{bid}.ffn_norm', 'blk.{bid}.ffn_gate',
    'blk.{bid}.ffn_down', 'blk.{bid}.ffn_up'],
  qwen3: ['token_embd', 'output_norm', 'output', 'rope_freqs', 'blk.{bid}.attn_norm', 'blk.{bid}.attn_qkv', 'blk.{bid}.attn_q',
    'blk.{bid}.attn_q_norm', 'blk.{bid}.attn_k', 'blk.{bid}.attn_k_norm', 'blk.{bid}.attn_v', 'blk.{bid}.attn_output',
    'blk.{bid}.ffn_norm', 'blk.{bid}.ffn_gate', 'blk.{bid}.ffn_down', 'blk.{bid}.ffn_up'],
  gemma2: ['token_embd', 'output_norm', 'blk.{bid}.attn_qkv', 'blk.{bid}.attn_q', 'blk.{bid}.attn_k', 'blk.{bid}.attn_v',
    'blk.{bid}.attn_output', 'blk.{bid}.ffn_gate', 'blk.{bid}.ffn_down', 'blk.{bid}.ffn_up', 'blk.{bid}.attn_norm',
    'blk.{bid}.post_attention_norm', 'blk.{bid}.ffn_norm', 'blk.{bid}.post_ffw_norm'],
  gemma3: ['token_embd', 'output', 'output_norm', 'blk.{bid}.attn_qkv', 'blk.{bid}.attn_q', 'blk.{bid}.attn_q_norm',
    'blk.{bid}.attn_k', 'blk.{bid}.attn_k_norm', 'blk.{bid}.attn_v', 'blk.{bid}.attn_output', 'blk.{bid}.ffn_gate',
    'blk.{bid}.ffn_down', 'blk.{bid}.ffn_up', 'blk.{bid}.attn_norm', 'blk.{bid}.post_attention_norm', 'blk.{bid}.ffn_norm',
    'blk.{bid}.post_ffw_norm'],
  phi3: ['token_embd', 'output_norm', 'output', 'rope_factors_long', 'rope_factors_short', 'blk.{bid}.attn_norm',
    'blk.{bid}.attn_qkv', 'blk.{bid}.attn_q', 'blk.{bid}.attn_k', 'blk.{bid}.attn_v', 'blk.{bid}.attn_output',
    'blk.{bid}.ffn_norm', 'blk.{bid}.ffn_down', 'blk.{bid}.ffn_up'],
};

export class TensorNameMap {
  /** names without a block number, and block names with theirs replaced by {bid} → the GGUF name (or template) */
  private readonly mapping = new Map<string, string>();

  // Block names are matched by template rather than listed for every block, so the map's size does not
  // depend on the block count a config.json declares.
  constructor(arch: GgufArch, private readonly blockCount: number) {
    const table = { ...HF_NAMES, ...(arch.startsWith('gemma') ? GEMMA_NORMS : LLAMA_NORMS) };
    for (const gguf of ARCH_TENSORS[arch]) {
      this.mapping.set(gguf, gguf);
      for (const s of table[gguf] ?? []) this.mapping.set(s, gguf);
    }
  }

  private lookup(name: string): string | undefined {
    const parts = name.split('.');
    const i = parts.findIndex((p) => /^\d+$/.test(p));
    if (i < 0) {
      const target = this.mapping.get(name);
      return target?.includes('{bid}') ? undefined : target;
    }
    const bid = Number(parts[i]);
    if (String(bid) !== parts[i] || bid >= this.blockCount) return undefined;
    parts[i] = '{bid}';
    const target = this.mapping.get(parts.join('.'));
    return target?.replaceAll('{bid}', String(bid));
  }

  /** TensorNameMap.get_name with try_suffixes (".weight", ".bias"); undefined when the name does not map. */
  get(name: string): string | undefined {
    const direct = this.lookup(name);
    if (direct !== undefined) return direct;
    for (const suffix of ['.weight', '.bias']) {
      if (name.endsWith(suffix)) {
        const base = this.lookup(name.slice(0, -suffix.length));
        if (base !== undefined) return base + suffix;
      }
    }
    return undefined;
  }

  /** map_tensor_name: fails for a tensor the architecture has no place for. */
  map(name: string): string {
    const mapped = this.get(name);
    if (mapped === undefined) throw new QuantsmithError(`cannot map tensor ${quoted(name)} to a GGUF tensor of this architecture`);
    return mapped;
  }
}
