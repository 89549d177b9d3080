// Web Worker entry: exposes the kernel service to the page through comlink.
import { expose } from 'comlink';
import { createKernelService } from './kernel-service.ts';
import { holdLifeLock, LIFE_LOCK_HELD } from './worker-life-lock.ts';

holdLifeLock(self.name, () => self.postMessage(LIFE_LOCK_HELD));
expose(createKernelService());
