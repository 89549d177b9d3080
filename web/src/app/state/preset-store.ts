// Presets saved by name (IndexedDB in the browser). Saving under an existing name replaces it.
import type { KeyValueStore } from './kv.ts';
import { checkPresetName, type NamedPreset } from '../presets/preset-json.ts';
import { checkPreset, type Preset } from '../presets/preset.ts';

interface StoredPreset {
  readonly name: string;
  readonly preset: Preset;
  readonly savedAt: number;
}

export class PresetStore {
  constructor(private readonly kv: KeyValueStore) {}

  /** Alphabetical by name. Entries that no longer check (an older app's) are skipped. */
  async list(): Promise<NamedPreset[]> {
    const out: NamedPreset[] = [];
    for (const [, e] of await this.kv.entries<StoredPreset>()) {
      try {
        out.push({ name: e.name, preset: checkPreset(e.preset) });
      } catch {
        // keep the entry; it may become valid again, but do not offer it
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(name: string, preset: Preset, savedAt = Date.now()): Promise<NamedPreset> {
    const checkedName = checkPresetName(name);
    const checked = checkPreset(preset);
    await this.kv.set(keyOf(checkedName), { name: checkedName, preset: checked, savedAt } satisfies StoredPreset);
    return { name: checkedName, preset: checked };
  }

  async get(name: string): Promise<Preset | undefined> {
    const e = await this.kv.get<StoredPreset>(keyOf(name.trim()));
    return e ? checkPreset(e.preset) : undefined;
  }

  async remove(name: string): Promise<void> {
    await this.kv.del(keyOf(name.trim()));
  }

  /** Saves every imported preset; returns how many. */
  async saveAll(presets: readonly NamedPreset[]): Promise<number> {
    for (const p of presets) await this.save(p.name, p.preset);
    return presets.length;
  }
}

/** Names compare case-insensitively: "Small" and "small" are the same preset. */
function keyOf(name: string): string {
  return `preset:${name.toLowerCase()}`;
}
