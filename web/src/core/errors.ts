// Errors a user can act on: bad input files, impossible options. Their message is one line that names
// the problem (and the byte offset where it applies); the CLI prints it without a stack trace, the app shows it.
import { oneLine } from './message-text.ts';

export { oneLine, quoted, quotedJson } from './message-text.ts';

export class QuantsmithError extends Error {
  override readonly name = 'QuantsmithError';
  constructor(
    message: string,
    /** byte offset in the input where the problem was found, when there is one */
    readonly offset?: number,
  ) {
    // a last guard: whatever a message quotes from a file, it stays one short line
    const line = oneLine(message);
    super(offset === undefined ? line : `${line} (at offset ${offset})`);
  }
}

/** The job was cancelled by the user; not an error to report. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/** A pool worker stopped in the middle of a job: it crashed, ran out of memory, or was killed. */
export class WorkerCrashedError extends QuantsmithError {
  constructor(detail: string) {
    super(`a kernel worker stopped unexpectedly (${detail}); the job was stopped and its outputs removed`);
  }
}
