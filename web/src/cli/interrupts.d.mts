export interface Interrupts {
  /** aborted by the first Ctrl-C / SIGTERM once claim() has been called */
  readonly signal: AbortSignal;
  claim(): void;
}
export function installInterrupts(): Interrupts;
