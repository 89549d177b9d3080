// One bound on the bytes every remote file of a job keeps (blocks read ahead or just read), so a model
// of many shards holds no more than a model of one: the least recently used block goes first. Blocks a read
// is waiting for, and the block just asked for, are never evicted, so the bound is exceeded by at most those.
export interface BudgetEntry {
  readonly bytes: number;
  /** in use by a read that has not finished: not evicted */
  pins: number;
  /** drops the block from its file's cache */
  evict(): void;
  /** still ahead of its file's reader (read-ahead not yet used): evicted only after the blocks behind */
  isAhead(): boolean;
}

export class ReadAheadBudget {
  private readonly entries = new Set<BudgetEntry>();
  private total = 0;

  constructor(readonly maxBytes = 32 * 1024 * 1024) {}

  get bytes(): number {
    return this.total;
  }

  /** whether `bytes` more fit without evicting anything (read-ahead asks before it fetches) */
  hasRoom(bytes: number): boolean {
    return this.total + bytes <= this.maxBytes;
  }

  add(entry: BudgetEntry): void {
    this.entries.add(entry);
    this.total += entry.bytes;
    // the block just asked for is the one about to be read: older ones go first
    this.trim(entry);
  }

  /** marks an entry as just used (it becomes the last to be evicted) */
  touch(entry: BudgetEntry): void {
    if (this.entries.delete(entry)) this.entries.add(entry);
  }

  remove(entry: BudgetEntry): void {
    if (this.entries.delete(entry)) this.total -= entry.bytes;
  }

  /** evicts unpinned entries, least recently used first, until the total fits (`keep` stays) */
  trim(keep?: BudgetEntry): void {
    // blocks already read go first; read-ahead only when that is not enough
    for (const ahead of [false, true]) {
      for (const e of [...this.entries]) {
        if (this.total <= this.maxBytes) return;
        if (e.pins > 0 || e === keep || e.isAhead() !== ahead) continue;
        this.remove(e);
        e.evict();
      }
    }
  }
}
