// Web Worker entry: exposes the kernel service to the page through comlink. init() answers only once the
// worker holds its life lock, which lets the page notice if the worker ends (worker-life-lock.ts). A File
// posted with a task is read here, slab by slab, off the page's main thread.
import { expose } from 'comlink';
import { createKernelService } from './kernel-service.ts';
import { holdLifeLock } from './worker-life-lock.ts';
import { reopenBlob } from '../io/blob-source.ts';

const lifeLock = holdLifeLock(self.name);
const service = createKernelService(async (d) => {
  if (d.kind !== 'blob') throw new Error(`a Web Worker cannot open a ${d.kind} source`);
  return reopenBlob(d);
});
expose({
  ...service,
  async init(module: WebAssembly.Module) {
    await lifeLock;
    return service.init(module);
  },
});
