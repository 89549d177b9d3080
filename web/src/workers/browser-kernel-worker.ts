// Web Worker entry: exposes the kernel service to the page through comlink.
import { expose } from 'comlink';
import { createKernelService } from './kernel-service.ts';
import { holdLifeLock } from './worker-life-lock.ts';

holdLifeLock(self.name);
expose(createKernelService());
