// The output type of one tensor, as llama.cpp's llama_tensor_get_type decides it: the user's explicit
// token-embedding / output types first, then (only when the ftype's default type is a quantized one)
// --tensor-type overrides, else the mixture rules unless --pure, and finally the shape fallback.
import { ggmlType } from './ggml-types.ts';
import { mixtureType, type MixtureState } from './mixture-rules.ts';
import { shapeFallback } from './shape-fallback.ts';
import type { TensorCategory } from './tensor-roles.ts';

export interface TypeRequest {
  /** llama_ftype number */
  readonly ftype: number;
  /** the ftype's default ggml type */
  readonly defaultType: number;
  readonly outputTensorType?: number;
  readonly tokenEmbeddingType?: number;
  readonly pure: boolean;
  /** compiled --tensor-type overrides, in order */
  readonly tensorTypes: readonly { readonly regex: RegExp; readonly type: number }[];
}

export interface TypeChoice {
  readonly type: number;
  /** the row length forced a smaller-block type (llama.cpp's n_fallback counts these) */
  readonly fellBack: boolean;
}

/** For a tensor that may be quantized (tensor-roles.ts allowsQuantization). */
export function chooseTensorType(
  state: MixtureState, req: TypeRequest, name: string, shape: readonly number[], category: TensorCategory,
): TypeChoice {
  const rowLength = shape[0];
  const search = (re: RegExp): boolean => {
    re.lastIndex = 0;
    return re.test(name);
  };
  if (req.tokenEmbeddingType !== undefined && category === 'token_embd') {
    // per_layer_token_embd is a large table of its own: an explicit --tensor-type naming it wins
    const named = name === 'per_layer_token_embd.weight' && req.tensorTypes.some((o) => search(o.regex));
    if (!named) return { type: req.tokenEmbeddingType, fellBack: false };
  }
  if (req.outputTensorType !== undefined && category === 'output') return { type: req.outputTensorType, fellBack: false };

  // F32/F16/BF16 files: every quantizable tensor gets the default type; overrides and mixtures do not apply
  if (!ggmlType(req.defaultType)!.quantized) return { type: req.defaultType, fellBack: false };

  let type = req.defaultType;
  const manual = req.tensorTypes.find((o) => search(o.regex));
  if (manual) type = manual.type;
  else if (!req.pure) type = mixtureType(state, req.ftype, type, { name, rowLength, experts: shape[2] ?? 1, category }, req.outputTensorType);
  return shapeFallback(rowLength, type, name);
}
