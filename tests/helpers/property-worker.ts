// Runs every property of reader-properties.ts in turn and reports how each ended.
import { parentPort } from 'node:worker_threads';
import { PROPERTIES } from './reader-properties.ts';

for (const [name, run] of Object.entries(PROPERTIES)) {
  parentPort!.postMessage({ kind: 'property', name });
  try {
    await run();
    parentPort!.postMessage({ kind: 'passed', name });
  } catch (e) {
    parentPort!.postMessage({ kind: 'failed', name, message: e instanceof Error ? e.message : String(e) });
  }
}
parentPort!.postMessage({ kind: 'done' });
