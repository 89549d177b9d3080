// Bytes received from the network, and the rate over the last few seconds: the "download" figure of progress.
export class TransferMeter {
  bytes = 0;
  retries = 0;
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  add(n: number, now = performance.now()): void {
    this.bytes += n;
    this.samples.push({ t: now, bytes: this.bytes });
    while (this.samples.length > 2 && now - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  /** bytes per second over the window (0 until there are two samples) */
  rate(now = performance.now()): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || first === last) return 0;
    const span = Math.max(now, last.t) - first.t;
    return span > 0 ? ((last.bytes - first.bytes) * 1000) / span : 0;
  }
}
