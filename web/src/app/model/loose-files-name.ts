// Loose files dropped on the page have no folder to name the model; its config.json can.
/**
 * A name for a model whose files were dropped loose (no folder to name it): config.json's model id
 * ("meta-llama/Llama-2-7b-hf" → "Llama-2-7b-hf"), else its model_type ("llama").
 */
export function nameFromConfig(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const { _name_or_path: id, model_type: type } = config as Record<string, unknown>;
  const base = typeof id === 'string' ? id.replace(/[\\/]+$/, '').split(/[\\/]/).pop() : undefined;
  if (base) return base;
  return typeof type === 'string' && /^[\w.-]+$/.test(type) ? type : undefined;
}

/** The name for dropped loose files (none when they came with their folder's path). */
export async function looseFilesName(files: readonly File[]): Promise<string | undefined> {
  if (files.some((f) => f.webkitRelativePath)) return undefined;
  const config = files.find((f) => f.name === 'config.json');
  if (!config) return undefined;
  try {
    return nameFromConfig(JSON.parse(await config.text()));
  } catch {
    return undefined; // the folder check and the converter report a broken config.json
  }
}
