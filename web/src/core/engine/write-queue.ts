// Writes to a sink in order without making the job wait for each one: reading and converting the next
// slabs overlaps with writing the last ones. What is queued but not yet written is bounded, so a slow
// disk slows the job down instead of filling memory.
import type { ByteSink } from '../byte-source.ts';

/** bytes a job may have queued (across its outputs) before it waits for the disk */
export const DEFAULT_QUEUED_BYTES = 32 * 1024 * 1024;

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown;
  private failed = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly limit = DEFAULT_QUEUED_BYTES,
  ) {}

  /** Queues `data` after everything queued before; waits only while more than the limit is queued. */
  async write(data: Uint8Array): Promise<void> {
    if (this.failed) throw this.failure;
    if (data.byteLength === 0) return;
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
    if (this.queued > this.limit) await this.drain();
  }

  /** Waits until everything queued is written; throws the first write error. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failed) throw this.failure;
  }
}
