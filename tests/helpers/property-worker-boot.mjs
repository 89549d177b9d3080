// Worker threads start without the TypeScript loader; register it, then run the property the test named.
import { register } from 'tsx/esm/api';

register();
await import('./property-worker.ts');
