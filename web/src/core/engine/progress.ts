// Turns "bytes done so far" into the numbers people read: MB/s and time left.
import type { JobProgress } from './api.ts';

export class ProgressMeter {
  private readonly start = performance.now();
  private lastEmit = -Infinity;

  constructor(
    private readonly bytesTotal: number,
    private readonly emit: ((p: JobProgress) => void) | undefined,
    /** at most one event per this many ms, except the forced ones */
    private readonly intervalMs = 100,
  ) {}

  elapsedSeconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  update(state: Omit<JobProgress, 'elapsedSeconds' | 'mbPerSecond' | 'etaSeconds' | 'bytesTotal'>, force = false): void {
    if (!this.emit) return;
    const now = performance.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    const elapsed = this.elapsedSeconds();
    const rate = elapsed > 0 ? state.bytesDone / elapsed : 0;
    // an ETA from the first few percent is noise; wait for some evidence
    const eta = rate > 0 && elapsed > 0.5 && state.bytesDone > 0 ? (this.bytesTotal - state.bytesDone) / rate : undefined;
    this.emit({ ...state, bytesTotal: this.bytesTotal, elapsedSeconds: elapsed, mbPerSecond: rate / 1e6, etaSeconds: eta });
  }
}
