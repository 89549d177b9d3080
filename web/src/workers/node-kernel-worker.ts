// Node worker_threads entry: exposes the kernel service to the main thread through comlink's Node adapter.
// Sources named by path are opened here (checked to be the file the main thread opened) and kept open.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createKernelService } from './kernel-service.ts';
import { OpenedSources } from './opened-sources.ts';
import { NodeFileSource } from '../io/node-file.ts';

if (!parentPort) throw new Error('node-kernel-worker must run in a worker thread');
const opened = new OpenedSources();
expose(
  createKernelService(async (d) => {
    if (d.kind !== 'file') throw new Error(`a Node kernel worker cannot open a ${d.kind} source`);
    return opened.get(`${d.path}\n${d.identity}`, () => NodeFileSource.reopen(d));
  }),
  nodeEndpoint(parentPort),
);
