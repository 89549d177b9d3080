// The history of runs: what was quantized, with which preset, what came out and how long it took.
import type { KeyValueStore } from './kv.ts';

export interface HistoryOutput {
  /** llama.cpp ftype name, e.g. "Q4_K_M" */
  readonly type: string;
  readonly fileName: string;
  readonly size: number;
  /** hex SHA-256 of the output file */
  readonly sha256: string;
}

export interface HistoryEntry {
  readonly id: string;
  /** ms since the epoch when the run finished */
  readonly finishedAt: number;
  readonly modelName: string;
  readonly modelSize: number;
  /** the preset in its link form (the URL fragment without '#') */
  readonly presetLink: string;
  readonly outputs: readonly HistoryOutput[];
  readonly seconds: number;
}

/** Older runs beyond this many are dropped. */
export const HISTORY_LIMIT = 100;

export class HistoryStore {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly limit = HISTORY_LIMIT,
  ) {}

  /** Newest first. */
  async list(): Promise<HistoryEntry[]> {
    const all = (await this.kv.entries<HistoryEntry>()).map(([, e]) => e);
    return all.sort((a, b) => b.finishedAt - a.finishedAt || b.id.localeCompare(a.id));
  }

  async add(entry: Omit<HistoryEntry, 'id'>): Promise<HistoryEntry> {
    const stored: HistoryEntry = { ...entry, id: `${entry.finishedAt.toString(36)}-${randomSuffix()}` };
    await this.kv.set(stored.id, stored);
    const all = await this.list();
    for (const old of all.slice(this.limit)) await this.kv.del(old.id);
    return stored;
  }

  async remove(id: string): Promise<void> {
    await this.kv.del(id);
  }

  /** Removes every run and returns them, for an Undo. */
  async clear(): Promise<HistoryEntry[]> {
    const cleared = await this.list();
    for (const e of cleared) await this.kv.del(e.id);
    return cleared;
  }

  /** Puts back runs taken away by clear() or remove() (same ids; runs added since are kept). */
  async restore(entries: readonly HistoryEntry[]): Promise<void> {
    for (const e of entries) await this.kv.set(e.id, e);
  }
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}
