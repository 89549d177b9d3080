// Recently opened models, as File System Access handles (IndexedDB can store them). Reopening one asks the
// browser for read permission again; the handle itself survives reloads.
import type { KeyValueStore } from './kv.ts';

/** The part of FileSystemHandle the store relies on (fakes in tests implement just this). */
export interface RememberedHandle {
  readonly kind: 'file' | 'directory';
  readonly name: string;
  isSameEntry(other: RememberedHandle): Promise<boolean>;
}

export interface RecentFile<H extends RememberedHandle = RememberedHandle> {
  readonly id: string;
  readonly handle: H;
  readonly name: string;
  readonly kind: 'file' | 'directory';
  /** ms since the epoch */
  readonly openedAt: number;
}

export const RECENT_LIMIT = 8;

export class RecentFilesStore<H extends RememberedHandle = RememberedHandle> {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly limit = RECENT_LIMIT,
  ) {}

  /** Most recently opened first. */
  async list(): Promise<RecentFile<H>[]> {
    const all = (await this.kv.entries<RecentFile<H>>()).map(([, e]) => e);
    return all.sort((a, b) => b.openedAt - a.openedAt);
  }

  /** Puts the handle at the top; the same file opened again replaces its old entry. */
  async remember(handle: H, openedAt = Date.now()): Promise<void> {
    const all = await this.list();
    for (const old of all) {
      if (old.kind === handle.kind && (await sameEntry(old.handle, handle))) await this.kv.del(old.id);
    }
    const id = `${openedAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    await this.kv.set(id, { id, handle, name: handle.name, kind: handle.kind, openedAt } satisfies RecentFile<H>);
    const kept = await this.list();
    for (const old of kept.slice(this.limit)) await this.kv.del(old.id);
  }

  async forget(id: string): Promise<void> {
    await this.kv.del(id);
  }

  async clear(): Promise<void> {
    for (const [id] of await this.kv.entries()) await this.kv.del(id);
  }
}

async function sameEntry(a: RememberedHandle, b: RememberedHandle): Promise<boolean> {
  try {
    return await a.isSameEntry(b);
  } catch {
    return false; // a handle whose file is gone compares unequal
  }
}
