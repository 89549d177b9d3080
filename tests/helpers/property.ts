// What every property test over a hostile input asserts: the reader either succeeds or fails with a named
// QuantsmithError whose message is one short line; it ends within a time bound; the heap does not grow by
// anything like a size the input declares.
import assert from 'node:assert/strict';
import { parentPort } from 'node:worker_threads';
import { QuantsmithError } from '../../web/src/core/errors.ts';

/** Tell the watching thread a case began / ended: it ends a worker whose case outlives the bound (a hang). */
export const caseStarted = () => parentPort?.postMessage({ kind: 'start' });
export const caseEnded = () => parentPort?.postMessage({ kind: 'end' });

/** per-case time bound: a hang, or work proportional to a declared size, fails the case */
export const CASE_MS = 3000;
/** heap growth allowed per case: far below any absurd declared size, far above a small model's header */
export const CASE_HEAP = 96 << 20;

export async function assertNamedOutcome<T>(what: string, run: () => Promise<T>): Promise<T | QuantsmithError> {
  caseStarted();
  const heapBefore = process.memoryUsage().heapUsed;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CASE_MS} ms`)), CASE_MS);
  });
  let outcome: T | QuantsmithError;
  try {
    outcome = await Promise.race([run(), hang]);
  } catch (e) {
    if (!(e instanceof QuantsmithError)) throw new Error(`${what}: not a QuantsmithError: ${e instanceof Error ? e.stack : String(e)}`);
    assertShortLine(what, e.message);
    outcome = e;
  } finally {
    clearTimeout(timer);
  }
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < CASE_HEAP, `${what}: heap grew by ${grown} bytes`);
  caseEnded();
  return outcome;
}

export function assertShortLine(what: string, message: string): void {
  assert.ok(!/[\u0000-\u001f\u007f\u2028\u2029]/.test(message), `${what}: message has a control character or line break: ${JSON.stringify(message.slice(0, 400))}`);
  assert.ok(message.length <= 340, `${what}: message of ${message.length} characters: ${message.slice(0, 400)}`);
}
