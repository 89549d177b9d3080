// Web Worker entry of the evaluator: exposes the evaluator service to the page through comlink.
import { expose } from 'comlink';
import { createEvalWorkerService } from './eval-worker-service.ts';

expose(createEvalWorkerService());
