// Writes to a sink in order without making the job wait for each one: reading and converting the next
// slabs overlaps with writing the last ones. What is queued but not yet written is bounded, so a slow
// disk slows the job down instead of filling memory. Small writes can be gathered into larger ones: a
// browser's writable stream costs CPU per call (1 MiB writes cost about a third more than 4 MiB ones).
import type { ByteSink } from '../byte-source.ts';

/** bytes a job may have queued (across its outputs) before it waits for the disk */
export const DEFAULT_QUEUED_BYTES = 32 * 1024 * 1024;

/** the size a job gathers consecutive pieces of an output into before writing them */
export const DEFAULT_WRITE_BYTES = 4 * 1024 * 1024;

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown;
  private failed = false;
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly limit = DEFAULT_QUEUED_BYTES,
    /** pieces are gathered until this many bytes before a write (0: each piece is a write of its own) */
    private readonly writeBytes = 0,
  ) {}

  /** Queues `data` after everything queued before; waits only while more than the limit is queued. */
  async write(data: Uint8Array): Promise<void> {
    if (this.failed) throw this.failure;
    if (data.byteLength === 0) return;
    this.gathered.push(data);
    this.gatheredBytes += data.byteLength;
    if (this.gatheredBytes >= this.writeBytes) this.flush();
    if (this.queued + this.gatheredBytes > this.limit) await this.drain();
  }

  /** Waits until everything queued is written; throws the first write error. */
  async drain(): Promise<void> {
    this.flush();
    await this.tail;
    if (this.failed) throw this.failure;
  }

  private flush(): void {
    if (this.gatheredBytes === 0) return;
    const data = this.gathered.length === 1 ? this.gathered[0] : concat(this.gathered, this.gatheredBytes);
    this.gathered = [];
    this.gatheredBytes = 0;
    this.queued += data.byteLength;
    this.tail = this.tail.then(async () => {
      if (this.failed) return;
      try {
        await this.sink.write(data);
      } catch (e) {
        this.failed = true;
        this.failure = e;
      } finally {
        this.queued -= data.byteLength;
      }
    });
  }
}

function concat(pieces: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
