// The SHA-256 worker behind stream-hasher.ts: hash-wasm's SHA-256 (WebAssembly, several times a JavaScript
// implementation's speed), fed chunks in the order they were posted.
import { expose } from 'comlink';
import { createSHA256, type IHasher } from 'hash-wasm';

export interface HashWorkerApi {
  update(data: Uint8Array): Promise<void>;
  digest(): Promise<string>;
}

let hasher: Promise<IHasher> | undefined;
const ready = () => (hasher ??= createSHA256().then((h) => h.init()));

const api: HashWorkerApi = {
  async update(data) {
    (await ready()).update(data);
  },
  async digest() {
    return (await ready()).digest('hex');
  },
};

// only when running as a worker (tests import the type alone)
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) expose(api);
