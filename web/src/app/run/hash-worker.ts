// The SHA-256 worker behind stream-hasher.ts: hash-wasm's SHA-256 (WebAssembly, several times a JavaScript
// implementation's speed), fed chunks in the order they were posted. Each chunk's buffer goes back to the
// page once hashed, to carry a later chunk: a buffer that stayed here would be garbage holding its memory
// until this worker's next full garbage collection, which a worker with so little of a heap of its own
// runs seldom (over a gigabyte of output passes through).
import { expose, transfer } from 'comlink';
import { createSHA256, type IHasher } from 'hash-wasm';

export interface HashWorkerApi {
  /** hashes `data` after everything before; may answer with `data` itself, its buffer handed back for reuse */
  update(data: Uint8Array): Promise<Uint8Array | void>;
  digest(): Promise<string>;
}

let hasher: Promise<IHasher> | undefined;
const ready = () => (hasher ??= createSHA256().then((h) => h.init()));

const api: HashWorkerApi = {
  async update(data) {
    (await ready()).update(data);
    return transfer(data, [data.buffer as ArrayBuffer]);
  },
  async digest() {
    return (await ready()).digest('hex');
  },
};

// only when running as a worker (tests import the type alone)
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) expose(api);
