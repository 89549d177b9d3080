// The sources a worker has opened by descriptor, kept open across tasks (a job sends hundreds of slabs of
// the same file) but only a few at once: the least recently used one is closed when another is opened.
import type { ByteSource } from '../core/byte-source.ts';

export class OpenedSources {
  private readonly open = new Map<string, Promise<ByteSource>>();

  constructor(private readonly keep = 4) {}

  /** The source under `key`, opened with `opener` the first time (a failed open is not kept). */
  get(key: string, opener: () => Promise<ByteSource>): Promise<ByteSource> {
    let source = this.open.get(key);
    if (source) {
      this.open.delete(key); // re-inserted last: most recently used
    } else {
      source = opener();
      source.catch(() => this.open.get(key) === source && this.open.delete(key));
    }
    this.open.set(key, source);
    while (this.open.size > this.keep) {
      const [oldest, evicted] = this.open.entries().next().value!;
      this.open.delete(oldest);
      void evicted.then((s) => s.close?.(), () => {});
    }
    return source;
  }
}
