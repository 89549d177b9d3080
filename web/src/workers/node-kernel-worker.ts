// Node worker_threads entry: exposes the kernel service to the main thread through comlink's Node adapter.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createKernelService } from './kernel-service.ts';

if (!parentPort) throw new Error('node-kernel-worker must run in a worker thread');
expose(createKernelService(), nodeEndpoint(parentPort));
