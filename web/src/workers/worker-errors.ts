// An error thrown in a worker reaches the page or main thread through comlink as a plain Error that keeps
// only its name and message; a QuantsmithError (a file that changed while a worker read it, a bad row size)
// is made one again, so that it is reported like any other as one line naming the problem.
import { QuantsmithError } from '../core/errors.ts';

export function restoredError(e: unknown): unknown {
  if (e instanceof Error && !(e instanceof QuantsmithError) && e.name === 'QuantsmithError') return new QuantsmithError(e.message);
  return e;
}
