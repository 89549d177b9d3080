// Default output file names, llama.cpp's convention: model-F16.gguf → model-Q4_K_M.gguf.

/** The model's base name: the file name without .gguf and without a trailing float type (-F16, .bf16, _f32). */
export function modelBaseName(sourceName: string): string {
  const stem = sourceName.replace(/\.gguf$/i, '');
  const base = stem.replace(/[-_.](f16|bf16|f32|fp16|fp32)$/i, '');
  return base || stem || 'model';
}

export function outputFileName(sourceName: string, ftype: string): string {
  return `${modelBaseName(sourceName)}-${ftype}.gguf`;
}
