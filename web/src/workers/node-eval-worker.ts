// Node worker_threads entry of the evaluator: exposes the evaluator service through comlink's Node adapter.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createEvalWorkerService } from './eval-worker-service.ts';

if (!parentPort) throw new Error('node-eval-worker must run in a worker thread');
expose(createEvalWorkerService(), nodeEndpoint(parentPort));
