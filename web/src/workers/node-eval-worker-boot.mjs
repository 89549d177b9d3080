// Worker threads start without the TypeScript loader the CLI registered; register it here, then load the worker.
import { register } from 'tsx/esm/api';

register();
await import('./node-eval-worker.ts');
