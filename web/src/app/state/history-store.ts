// The history of runs: what was quantized, with which preset, what came out and how long it took.
import type { QualityReport } from '../quality/quality-session.ts';
import type { KeyValueStore } from './kv.ts';

export interface HistoryOutput {
  /** llama.cpp ftype name, e.g. "Q4_K_M" */
  readonly type: string;
  readonly fileName: string;
  readonly size: number;
  /** hex SHA-256 of the output file (a split output's: its first shard's) */
  readonly sha256: string;
  /** a split output's files, in order, each with its size and SHA-256 */
  readonly shards?: readonly { readonly fileName: string; readonly size: number; readonly sha256: string }[];
}

type FinishedLike = Omit<HistoryOutput, 'shards'> & { readonly split?: { readonly shards: readonly { readonly fileName: string; readonly size: number; readonly sha256: string }[] } };

/** What the history keeps of a run's outputs (no handles, no functions). */
export function historyOutputs(outputs: readonly FinishedLike[]): HistoryOutput[] {
  return outputs.map((o) => ({
    type: o.type, fileName: o.fileName, size: o.size, sha256: o.sha256,
    ...(o.split ? { shards: o.split.shards.map((f) => ({ fileName: f.fileName, size: f.size, sha256: f.sha256 })) } : {}),
  }));
}

/** A file the run read beside the model (the importance matrix), as a preset names it. */
export interface HistoryInputFile {
  readonly fileName: string;
  /** hex SHA-256 of the file */
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
  /** the latest "Check quality" figures of this run's outputs, when measured */
  readonly quality?: QualityReport;
  /** the importance matrix the run used (runs kept before this was recorded have none) */
  readonly imatrix?: HistoryInputFile;
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
    const all = (await this.kv.entries<HistoryEntry>()).map(([, e]) => readEntry(e));
    return all.sort((a, b) => b.finishedAt - a.finishedAt || b.id.localeCompare(a.id));
  }

  async add(entry: Omit<HistoryEntry, 'id'>): Promise<HistoryEntry> {
    const stored: HistoryEntry = { ...entry, id: `${entry.finishedAt.toString(36)}-${randomSuffix()}` };
    await this.kv.set(stored.id, stored);
    const all = await this.list();
    for (const old of all.slice(this.limit)) await this.kv.del(old.id);
    return stored;
  }

  /** Keeps a quality check's figures with the run they measured; false when the run is no longer kept. */
  async setQuality(id: string, quality: QualityReport): Promise<boolean> {
    const entry = await this.kv.get<HistoryEntry>(id);
    if (!entry) return false;
    await this.kv.set(id, { ...entry, quality });
    return true;
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

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A stored run as the page can show it. Runs from before the importance matrix was recorded simply lack
 * it; a record of one that is not a name and a SHA-256 (a damaged store) is left out rather than shown.
 */
function readEntry(e: HistoryEntry): HistoryEntry {
  if (e.imatrix === undefined) return e;
  const m = e.imatrix as unknown as { fileName?: unknown; sha256?: unknown } | null;
  if (typeof m?.fileName === 'string' && typeof m.sha256 === 'string' && SHA256_HEX.test(m.sha256)) return e;
  const { imatrix: _, ...rest } = e;
  return rest;
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}
