// The text an evaluator panel (Check quality, Layer importance, Compute importance matrix) reads, as a plain
// session: the bundled held-out text is chosen from the start (read only when a run needs it, once per
// model), or the user's own file; and why a panel's start button waits, as one line to show beside it.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { countOf, formatBytes } from '../model/format.ts';
import { prepareText, qualityContext, type PreparedText } from './quality-session.ts';

/** The text the build copied in beside the sample model (__SAMPLE_TEXT__). */
export interface BundledText {
  readonly path: string;
  readonly name: string;
  readonly size: number;
}

export type TextState =
  /** nothing usable chosen: no file yet (or the build bundles no text) */
  | { readonly kind: 'none' }
  | { readonly kind: 'bundled'; readonly bundled: BundledText }
  | { readonly kind: 'reading'; readonly name: string }
  /** the file could not be used; the choice shows the message */
  | { readonly kind: 'refused'; readonly name: string; readonly message: string }
  | { readonly kind: 'file'; readonly text: PreparedText };

/** Where a panel starts: the bundled text when the build has one, else nothing until a file is picked. */
export function initialTextState(bundled: BundledText | null): TextState {
  return bundled ? { kind: 'bundled', bundled } : { kind: 'none' };
}

/** The bundled text's choice, "heldout.txt, 317 kB", and what it is, so its figures are read for what they are. */
export function bundledTextLabel(b: BundledText): { label: string; about: string } {
  return {
    label: `${b.name}, ${formatBytes(b.size)}`,
    about: "Pages of the Python documentation held out from the sample model's training: English prose and code, PSF License. " +
      'Its figures compare quants of one model with each other; they are not an absolute score.',
  };
}

/** Fetches the bundled text (precached by the service worker, so it works offline too). */
export async function fetchBundledBytes(b: BundledText): Promise<Uint8Array> {
  let r: Response;
  try {
    r = await fetch(b.path);
  } catch (e) {
    throw new QuantsmithError(`could not load ${b.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!r.ok) throw new QuantsmithError(`could not load ${b.name}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** "heldout.txt: 98234 tokens, 383 chunks of 256" once the text is read. */
export function textFacts(t: PreparedText, source: ModelSource): string {
  return `${t.name}: ${t.tokens} tokens, ${countOf(t.chunks, 'chunk')} of ${qualityContext(source)}`;
}

/** A file the user picked, read and counted; too short a text is refused by name. */
export function preparedFile(source: ModelSource, bytes: Uint8Array, name: string): PreparedText {
  const t = prepareText(source, bytes, name);
  if (t.chunks < 1) throw new QuantsmithError(`${name} is too short: ${t.tokens} tokens, one chunk needs ${qualityContext(source)}`);
  return t;
}

const bundledReadings = new WeakMap<ModelSource, Map<string, Promise<PreparedText>>>();

/**
 * The chosen text, read and counted. The bundled text is fetched and tokenized once per model (each panel
 * shares it); a failed read is not kept, so the next start tries again.
 */
export function readChosenText(state: TextState, source: ModelSource, fetchBytes: (b: BundledText) => Promise<Uint8Array>): Promise<PreparedText> {
  if (state.kind === 'file') return Promise.resolve(state.text);
  if (state.kind !== 'bundled') return Promise.reject(new QuantsmithError(textBlocker(state) ?? 'no text chosen'));
  const { bundled } = state;
  const byName = bundledReadings.get(source) ?? new Map<string, Promise<PreparedText>>();
  bundledReadings.set(source, byName);
  let reading = byName.get(bundled.path);
  if (!reading) {
    reading = fetchBytes(bundled).then((bytes) => preparedFile(source, bytes, bundled.name));
    reading.catch(() => byName.delete(bundled.path));
    byName.set(bundled.path, reading);
  }
  return reading;
}

/** Why the text keeps a panel from starting, or null when it can be read. */
export function textBlocker(state: TextState): string | null {
  switch (state.kind) {
    case 'none': return 'Choose a text above first.';
    case 'reading': return `Reading ${state.name}…`;
    case 'refused': return `${state.name} cannot be used (see above): choose another text.`;
    default: return null;
  }
}

/** The chunks a run reads: the number asked for, at least 1, at most what a read text holds. */
export function chunksToUse(requested: number, state: TextState): number {
  const asked = Math.max(1, Math.floor(Number.isFinite(requested) ? requested : 1));
  return state.kind === 'file' ? Math.min(asked, state.text.chunks) : asked;
}

export interface StartConditions {
  readonly running: boolean;
  readonly text: TextState;
  /** why the page keeps the panel waiting (another job under way), if it does */
  readonly busy?: string;
  /** Check quality: how many outputs there are to compare with the source */
  readonly outputs?: number;
}

/** Why a panel's start button is disabled, as one line beside it; null when it can start. */
export function startBlocker(c: StartConditions): string | null {
  if (c.running) return 'Running: wait for it to finish, or cancel it.';
  if (c.busy) return c.busy;
  if (c.outputs === 0) return 'Nothing to compare with the source yet: quantize it above, or add GGUF files to compare.';
  return textBlocker(c.text);
}
