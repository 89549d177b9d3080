// Web Worker entry: exposes the kernel service to the page through comlink.
import { expose } from 'comlink';
import { createKernelService } from './kernel-service.ts';

expose(createKernelService());
