// One bound on the bytes every remote file of a job keeps (blocks read ahead or just read), so a model
// of many shards holds no more than a model of one: the least recently used block goes first.
export interface BudgetEntry {
  readonly bytes: number;
  /** in use by a read that has not finished: not evicted */
  pins: number;
  /** drops the block from its file's cache */
  evict(): void;
}

export class ReadAheadBudget {
  private readonly entries = new Set<BudgetEntry>();
  private total = 0;

  constructor(readonly maxBytes = 32 * 1024 * 1024) {}

  get bytes(): number {
    return this.total;
  }

  add(entry: BudgetEntry): void {
    this.entries.add(entry);
    this.total += entry.bytes;
    this.trim();
  }

  /** marks an entry as just used (it becomes the last to be evicted) */
  touch(entry: BudgetEntry): void {
    if (this.entries.delete(entry)) this.entries.add(entry);
  }

  remove(entry: BudgetEntry): void {
    if (this.entries.delete(entry)) this.total -= entry.bytes;
  }

  trim(): void {
    for (const e of this.entries) {
      if (this.total <= this.maxBytes) return;
      if (e.pins > 0) continue;
      this.remove(e);
      e.evict();
    }
  }
}
