// The YAML front matter of a model card (README.md), read as gguf-py's Metadata.load_model_card reads it
// with PyYAML's safe_load (YAML 1.1: yes/no are booleans, with the converter's fix for "- no").
import { parse } from 'yaml';
import { oneLine, QuantsmithError } from '../../errors.ts';
import type { FolderFiles } from './folder-files.ts';
import { isObject, type Json } from './hparams.ts';

export async function loadModelCard(files: FolderFiles): Promise<Json> {
  if (!files.has('README.md')) return {};
  const lines = (await files.text('README.md')).split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines[0] !== '---') return {};
  const yamlLines: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '---') break;
    yamlLines.push(line);
  }
  const text = (yamlLines.join('\n') + '\n')
    .replaceAll('- no\n', '- "no"\n') // the converter's fix for the Norway problem
    .replaceAll('\t', '  ');
  let data: unknown;
  try {
    data = parse(text, { version: '1.1', schema: 'yaml-1.1' });
  } catch (e) {
    throw new QuantsmithError(`${files.name}/README.md: the model card's YAML front matter is invalid: ${oneLine((e as Error).message.split('\n')[0] ?? '', 120)}`);
  }
  return isObject(data) ? data : {};
}
