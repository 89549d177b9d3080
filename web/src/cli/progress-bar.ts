// A one-line progress bar for terminals, redrawn in place on stderr. Silent when stderr is not a TTY.
import type { JobProgress } from '../core/engine/api.ts';
import { formatDuration } from './format.ts';

export class ProgressBar {
  private drawn = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** `extra`: more figures for the line, such as the download rate of a Hub model */
  update(p: JobProgress, extra?: string): void {
    if (!this.enabled) return;
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 60));
    const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
    const filled = Math.round(fraction * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const eta = p.etaSeconds === undefined ? '--:--' : formatDuration(p.etaSeconds);
    const line =
      `${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  tensor ${p.tensorIndex + 1}/${p.tensorCount}` +
      `  ${p.mbPerSecond.toFixed(1)} MB/s${extra ? `  ${extra}` : ''}  ETA ${eta}  ${p.tensorName}`;
    const cols = this.stream.columns ?? 80;
    this.stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
    this.drawn = true;
  }

  /** a one-line status in place of the bar (TTY only) */
  note(text: string): void {
    if (!this.enabled) return;
    const cols = this.stream.columns ?? 80;
    this.stream.write(`\r${text.slice(0, cols - 1)}\x1b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
