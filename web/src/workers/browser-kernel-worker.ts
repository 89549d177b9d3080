// Web Worker entry: exposes the kernel service to the page through comlink. init() answers only once the
// worker holds its life lock, which lets the page notice if the worker ends (worker-life-lock.ts).
import { expose } from 'comlink';
import { createKernelService } from './kernel-service.ts';
import { holdLifeLock } from './worker-life-lock.ts';

const lifeLock = holdLifeLock(self.name);
const service = createKernelService();
expose({
  ...service,
  async init(module: WebAssembly.Module) {
    await lifeLock;
    return service.init(module);
  },
});
