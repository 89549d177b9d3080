// A GGUF file as a ModelSource: the header is parsed once; tensor rows are byte ranges read on demand.
import type { ByteSource } from '../byte-source.ts';
import { readGgufHeader } from '../formats/gguf/reader.ts';
import type { GgufHeader } from '../formats/gguf/model.ts';
import type { ModelSource, SourceTensor } from './model-source.ts';
import { tensorRows } from './model-source.ts';

export interface GgufModelSource extends ModelSource {
  readonly header: GgufHeader;
}

export async function openGgufModel(src: ByteSource): Promise<GgufModelSource> {
  const header = await readGgufHeader(src);
  const descriptor = src.descriptor;
  const tensors: SourceTensor[] = header.tensors.map((info) => {
    const rowBytes = info.byteLength / tensorRows(info.shape);
    const start = header.dataOffset + info.offset;
    return {
      name: info.name,
      shape: info.shape,
      type: info.type,
      byteLength: info.byteLength,
      shard: 0,
      dataOffset: info.offset,
      // the hint lets a remote source read ahead to the end of this tensor and no further
      readRows: (firstRow, rowCount) => src.read(start + firstRow * rowBytes, rowCount * rowBytes, { until: start + info.byteLength }),
      ...(descriptor ? { locateRows: (firstRow: number, rowCount: number) => ({ source: descriptor, offset: start + firstRow * rowBytes, length: rowCount * rowBytes }) } : {}),
    };
  });
  return {
    name: src.name,
    format: 'gguf',
    sizeBytes: src.size,
    metadata: header.metadata,
    tensors,
    header,
    close: async () => {
      await src.close?.();
    },
  };
}
