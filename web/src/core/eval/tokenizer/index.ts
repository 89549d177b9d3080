// Tokenisation as llama.cpp does it, for the evaluator.
export { tokenizerFromGguf, type DecodeOptions, type EncodeOptions, type GgufMetadataLike, type Tokenizer } from './tokenizer.ts';
