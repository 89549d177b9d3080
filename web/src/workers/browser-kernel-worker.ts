// Web Worker entry: exposes the kernel service to the page through comlink.
import { expose } from 'comlink';
import { createKernelService } from './kernel-service.ts';
import { holdLifeLock } from './worker-life-lock.ts';

const lifeLockHeld = holdLifeLock(self.name);
const service = createKernelService();
// init is the page's first call: its answer waits for the life lock, so the page watches a lock already held
expose({ ...service, init: async (module: WebAssembly.Module) => { await lifeLockHeld; return service.init(module); } });
