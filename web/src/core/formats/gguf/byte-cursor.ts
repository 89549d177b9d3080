// Sequential little-endian reads from a ByteSource through a window of bytes (1 MiB by default), so a
// header with hundreds of thousands of small fields costs a handful of source reads, never the whole file.
import type { ByteSource } from '../../byte-source.ts';
import { QuantsmithError } from '../../errors.ts';

const DEFAULT_WINDOW = 1 << 20;

export class ByteCursor {
  /** absolute offset of the next byte to read */
  position = 0;
  private window: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.window.buffer);
  private windowStart = 0;
  // ignoreBOM keeps a leading U+FEFF in the string (the default would drop it and change the bytes)
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
  private readonly lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** set when text that was not valid UTF-8 has been read (with replacement characters); the reader resets it */
  sawInvalidUtf8 = false;

  constructor(
    private readonly src: ByteSource,
    /** what is being read, for the "truncated" message: "header", "metadata", "tensor info" */
    public section: string,
    private readonly windowSize = DEFAULT_WINDOW,
  ) {}

  get remaining(): number {
    return this.src.size - this.position;
  }

  /** Makes `n` bytes at `position` available in the window; fails with a "truncated" error past the end. */
  private async ensure(n: number): Promise<number> {
    const rel = this.position - this.windowStart;
    if (rel >= 0 && rel + n <= this.window.length) return rel;
    if (n > this.remaining) {
      throw new QuantsmithError(
        `file is truncated: ${this.section} needs ${n} more bytes but only ${Math.max(0, this.remaining)} remain`,
        this.position,
      );
    }
    const length = Math.min(Math.max(n, this.windowSize), this.remaining);
    this.window = await this.src.read(this.position, length);
    this.view = new DataView(this.window.buffer, this.window.byteOffset, this.window.byteLength);
    this.windowStart = this.position;
    return 0;
  }

  async bytes(n: number): Promise<Uint8Array> {
    const rel = await this.ensure(n);
    this.position += n;
    return this.window.subarray(rel, rel + n);
  }

  async u8(): Promise<number> {
    const rel = await this.ensure(1);
    this.position += 1;
    return this.view.getUint8(rel);
  }
  async i8(): Promise<number> {
    const rel = await this.ensure(1);
    this.position += 1;
    return this.view.getInt8(rel);
  }
  async u16(): Promise<number> {
    const rel = await this.ensure(2);
    this.position += 2;
    return this.view.getUint16(rel, true);
  }
  async i16(): Promise<number> {
    const rel = await this.ensure(2);
    this.position += 2;
    return this.view.getInt16(rel, true);
  }
  async u32(): Promise<number> {
    const rel = await this.ensure(4);
    this.position += 4;
    return this.view.getUint32(rel, true);
  }
  async i32(): Promise<number> {
    const rel = await this.ensure(4);
    this.position += 4;
    return this.view.getInt32(rel, true);
  }
  async f32(): Promise<number> {
    const rel = await this.ensure(4);
    this.position += 4;
    return this.view.getFloat32(rel, true);
  }
  async u64(): Promise<bigint> {
    const rel = await this.ensure(8);
    this.position += 8;
    return this.view.getBigUint64(rel, true);
  }
  async i64(): Promise<bigint> {
    const rel = await this.ensure(8);
    this.position += 8;
    return this.view.getBigInt64(rel, true);
  }
  async f64(): Promise<number> {
    const rel = await this.ensure(8);
    this.position += 8;
    return this.view.getFloat64(rel, true);
  }

  /** UTF-8 text of `n` bytes at the cursor (the caller has checked n against what is left). */
  async text(n: number): Promise<string> {
    return this.decode(await this.bytes(n));
  }

  /**
   * A length-prefixed string when it lies wholly inside the current window, read without awaiting
   * (tokenizer arrays hold hundreds of thousands); undefined otherwise, and the cursor is unmoved.
   */
  stringInWindow(): string | undefined {
    const rel = this.position - this.windowStart;
    if (rel < 0 || rel + 8 > this.window.length) return undefined;
    const high = this.view.getUint32(rel + 4, true);
    const n = this.view.getUint32(rel, true);
    if (high !== 0 || rel + 8 + n > this.window.length) return undefined;
    this.position += 8 + n;
    return this.decode(this.window.subarray(rel + 8, rel + 8 + n));
  }

  private decode(bytes: Uint8Array): string {
    // short ASCII strings (most tokens and keys) are cheaper to build directly than through TextDecoder
    if (bytes.length <= 32) {
      let ascii = true;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    try {
      return this.decoder.decode(bytes);
    } catch {
      this.sawInvalidUtf8 = true;
      return this.lenientDecoder.decode(bytes);
    }
  }
}
