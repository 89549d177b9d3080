// Calls to a worker that dies (crash, out of memory, killed) must fail rather than wait forever.
// Racing every call against one never-settling "died" promise would keep each call's result reachable
// from that promise (memory grows with the output); instead the pending calls are tracked and rejected.

export class WorkerDeath {
  private readonly pending = new Set<(e: Error) => void>();
  private error: Error | undefined;

  /** the worker died: every pending call, and every later one, rejects with `error` */
  died(error: Error): void {
    this.error ??= error;
    for (const reject of this.pending) reject(this.error);
    this.pending.clear();
  }

  /** `call`'s result, or a rejection if the worker dies first */
  guard<T>(call: Promise<T>): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      call.then(
        (v) => {
          this.pending.delete(reject);
          resolve(v);
        },
        (e) => {
          this.pending.delete(reject);
          reject(e);
        },
      );
    });
  }
}
