// The Hub settings the app remembers: the endpoint always (it is not a secret), the token only when the
// user ticks "keep it on this device"; otherwise the token lives in the page's memory and dies with it.
import type { KeyValueStore } from '../state/kv.ts';

export interface StoredHubSettings {
  readonly endpoint?: string;
  readonly token?: string;
}

export class HubSettingsStore {
  constructor(private readonly kv: KeyValueStore) {}

  async load(): Promise<StoredHubSettings> {
    const [endpoint, token] = await Promise.all([this.kv.get<string>('endpoint'), this.kv.get<string>('token')]);
    return { endpoint, token };
  }

  async save(endpoint: string, token: string | undefined, keepToken: boolean): Promise<void> {
    await this.kv.set('endpoint', endpoint);
    if (keepToken && token) await this.kv.set('token', token);
    else await this.kv.del('token');
  }
}
