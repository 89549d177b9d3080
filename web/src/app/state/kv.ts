// The small key-value interface the app's stores persist through: IndexedDB (idb-keyval) in the browser,
// a Map in unit tests. Values are structured-cloned by IndexedDB, so file handles can be stored as they are.
import { createStore, get, set, del, entries } from 'idb-keyval';

export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  entries<T>(): Promise<[string, T][]>;
}

/** One object store of the app's IndexedDB database (one database per store: idb-keyval's model). */
export function indexedDbStore(storeName: string): KeyValueStore {
  const store = createStore(`quantsmith-${storeName}`, storeName);
  return {
    get: (key) => get(key, store),
    set: (key, value) => set(key, value, store),
    del: (key) => del(key, store),
    entries: async <T>() => (await entries<string, T>(store)).map(([k, v]) => [String(k), v] as [string, T]),
  };
}

/**
 * In memory. Values are structured-cloned like IndexedDB does, so callers cannot share objects with the
 * store; `clone: false` keeps them as they are (for test doubles of file handles, which carry methods).
 */
export function memoryStore({ clone = true } = {}): KeyValueStore {
  const map = new Map<string, unknown>();
  const copy = <T>(v: T): T => (clone ? structuredClone(v) : v);
  return {
    get: async <T>(key: string) => (map.has(key) ? (copy(map.get(key)) as T) : undefined),
    set: async (key, value) => void map.set(key, copy(value)),
    del: async (key) => void map.delete(key),
    entries: async <T>() => [...map].map(([k, v]) => [k, copy(v) as T] as [string, T]),
  };
}
