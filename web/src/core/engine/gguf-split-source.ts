// A GGUF split in several files (llama.cpp's gguf-split: "<name>-00001-of-00003.gguf" …) as one ModelSource,
// as llama.cpp's model loader sees it: the first file's metadata, every file's tensors, each read from its
// own file. The split keys (split.no, split.count, split.tensors.count) must agree; the quantizer drops them
// from the output, as llama-quantize does.
import type { ByteSource } from '../byte-source.ts';
import { QuantsmithError } from '../errors.ts';
import { readGgufHeader } from '../formats/gguf/reader.ts';
import type { GgufHeader } from '../formats/gguf/model.ts';
import type { ModelSource, SourceTensor } from './model-source.ts';
import { tensorRows } from './model-source.ts';

function numberKey(header: GgufHeader, key: string): number | undefined {
  const v = header.metadata.find((kv) => kv.key === key)?.value;
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
}

/** `files` in split order (00001 first). */
export async function openSplitGgufModel(files: readonly ByteSource[]): Promise<ModelSource> {
  const headers: GgufHeader[] = [];
  for (const f of files) headers.push(await readGgufHeader(f));
  const count = numberKey(headers[0], 'split.count');
  if (count !== files.length) {
    throw new QuantsmithError(`${files[0].name} says the model is split in ${count ?? 'no'} files, but ${files.length} were given`);
  }
  const tensors: SourceTensor[] = [];
  const names = new Set<string>();
  headers.forEach((header, i) => {
    const no = numberKey(header, 'split.no');
    if (no !== i) throw new QuantsmithError(`${files[i].name} is split number ${no ?? '(none)'}, expected ${i}`);
    const src = files[i];
    for (const info of header.tensors) {
      if (names.has(info.name)) throw new QuantsmithError(`tensor ${info.name} is in more than one split (again in ${src.name})`);
      names.add(info.name);
      const rowBytes = info.byteLength / tensorRows(info.shape);
      const start = header.dataOffset + info.offset;
      if (start + info.byteLength > src.size) throw new QuantsmithError(`${src.name}: tensor ${info.name} runs past the end of the file`, start);
      tensors.push({
        name: info.name,
        shape: info.shape,
        type: info.type,
        byteLength: info.byteLength,
        readRows: (firstRow, rowCount) => src.read(start + firstRow * rowBytes, rowCount * rowBytes, { until: start + info.byteLength }),
      });
    }
  });
  const declared = numberKey(headers[0], 'split.tensors.count');
  if (declared !== undefined && declared !== tensors.length) {
    throw new QuantsmithError(`${files[0].name} declares ${declared} tensors in its splits, they hold ${tensors.length}`);
  }
  return {
    name: files[0].name,
    format: 'gguf',
    sizeBytes: files.reduce((s, f) => s + f.size, 0),
    metadata: headers[0].metadata,
    tensors,
    close: async () => {
      await Promise.all(files.map((f) => f.close?.()));
    },
  };
}
