// Reads a SentencePiece tokenizer.model: a protobuf ModelProto whose field 1 repeats the vocabulary pieces
// (piece text = 1, score = 2, type = 3). Only that much of the schema is needed; other fields are skipped.
// The checks are the ones SentencePieceProcessor makes when it loads a model.
import { QuantsmithError, quoted } from '../../../errors.ts';

/** sentencepiece_model.proto's SentencePiece.Type */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiece {
  readonly piece: string;
  readonly score: number;
  readonly type: number;
}

export function parseSentencePieceModel(bytes: Uint8Array, fileName = 'tokenizer.model'): SentencePiece[] {
  const fail = (what: string, offset?: number): never => {
    throw new QuantsmithError(`${fileName}: ${what}`, offset);
  };
  const pieces: SentencePiece[] = [];
  const reader = new ProtoReader(bytes, fail);
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) pieces.push(parsePiece(reader.bytes(), pieces.length, fail));
    else reader.skip(wire);
  }
  checkPieces(pieces, fail);
  return pieces;
}

function parsePiece(bytes: Uint8Array, index: number, fail: (what: string) => never): SentencePiece {
  let piece = '';
  let score = 0;
  let type: number = PieceType.NORMAL;
  const reader = new ProtoReader(bytes, fail);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) {
      try {
        piece = decoder.decode(reader.bytes());
      } catch {
        fail(`piece ${index} is not valid UTF-8`);
      }
    } else if (field === 2 && wire === 5) score = reader.float32();
    else if (field === 3 && wire === 0) type = reader.varint();
    else reader.skip(wire);
  }
  return { piece, score, type };
}

/** ModelInterface::InitializePieces */
function checkPieces(pieces: readonly SentencePiece[], fail: (what: string) => never): void {
  if (pieces.length === 0) fail('the model has no vocabulary pieces');
  const seen = new Set<string>();
  let unk = -1;
  pieces.forEach((p, i) => {
    if (p.piece === '') fail(`piece ${i} is empty`);
    if (p.type < PieceType.NORMAL || p.type > PieceType.BYTE) fail(`piece ${i} has unknown type ${p.type}`);
    if (seen.has(p.piece)) fail(`piece ${i} ${quoted(p.piece)} is defined twice`);
    seen.add(p.piece);
    if (p.type === PieceType.UNKNOWN) {
      if (unk >= 0) fail('the unknown piece is defined twice');
      unk = i;
    }
  });
  if (unk < 0) fail('the model defines no unknown piece');
}

/** Just enough protobuf: varints, length-delimited fields, fixed 32/64-bit fields. */
class ProtoReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array, private readonly fail: (what: string, offset?: number) => never) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  tag(): { field: number; wire: number } {
    const t = this.varint();
    return { field: Math.floor(t / 8), wire: t % 8 };
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('protobuf varint runs past the end', this.pos);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    return this.fail('protobuf varint is too long', this.pos);
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.buf.length) this.fail('protobuf field runs past the end', this.pos);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  float32(): number {
    if (this.pos + 4 > this.buf.length) this.fail('protobuf field runs past the end', this.pos);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.advance(4);
    else this.fail(`unsupported protobuf wire type ${wire}`, this.pos);
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) this.fail('protobuf field runs past the end', this.pos);
    this.pos += n;
  }
}
