// Opening a model from the Hub in the app, in two steps: look the repository up (the user may then pick
// among several candidates), then open the chosen one. The token lives in the access object only: it is
// never put in a link, the history or a message.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { chooseCandidate, type HubCandidate } from '../../core/hub/candidates.ts';
import { checkToken, normalizeEndpoint, type HubAccess } from '../../core/hub/hub-access.ts';
import { parseHubRef } from '../../core/hub/hub-ref.ts';
import { findHubModels, openHubCandidate, type HubModels } from '../../core/hub/open-hub-model.ts';
import { TransferMeter } from '../../core/hub/transfer-meter.ts';

export const APP_TOKEN_HINT = 'paste a token in the token field';

export interface HubSettings {
  readonly endpoint: string;
  readonly token?: string;
}

export interface HubLookup {
  readonly models: HubModels;
  readonly access: HubAccess;
  readonly candidates: readonly HubCandidate[];
  /** set when there is nothing to choose: the only candidate, or the file a link named */
  readonly chosen?: HubCandidate;
  readonly download: TransferMeter;
  readonly bindRun: (signal: AbortSignal) => void;
}

/** What the app knows of a source opened from the Hub. */
export interface HubOrigin {
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  readonly candidate: HubCandidate;
  readonly endpoint: string;
  readonly download: TransferMeter;
  /** each run's cancel signal: a cancelled run aborts its requests, the source stays usable */
  bindRun(signal: AbortSignal): void;
}

const origins = new WeakMap<ModelSource, HubOrigin>();

export async function lookUpHubModel(input: string, settings: HubSettings, fetchImpl?: typeof fetch): Promise<HubLookup> {
  const endpoint = normalizeEndpoint(settings.endpoint);
  const ref = parseHubRef(input, endpoint);
  let runSignal: AbortSignal | undefined;
  const download = new TransferMeter();
  const access: HubAccess = {
    endpoint,
    token: checkToken(settings.token),
    tokenHint: APP_TOKEN_HINT,
    fetch: fetchImpl,
    meter: download,
    signal: () => runSignal,
  };
  const models = await findHubModels(ref, access);
  const { candidates } = models.search;
  let chosen: HubCandidate | undefined;
  if (models.linkedFile !== undefined || candidates.length <= 1) {
    // the only one, the linked one, or a message saying why there is none
    chosen = chooseCandidate(models.label, models.search, models.linkedFile, 'choose one below');
  }
  return { models, access, candidates, chosen, download, bindRun: (signal) => (runSignal = signal) };
}

export async function openHubChoice(lookup: HubLookup, candidate: HubCandidate): Promise<ModelSource> {
  if (!lookup.candidates.includes(candidate)) throw new QuantsmithError(`${candidate.id} is not a model of ${lookup.models.label}`);
  const source = await openHubCandidate(lookup.models, candidate, lookup.access);
  origins.set(source, {
    repo: lookup.models.ref.repo,
    revision: lookup.models.listing.revision,
    commit: lookup.models.listing.commit,
    candidate,
    endpoint: lookup.access.endpoint,
    download: lookup.download,
    bindRun: lookup.bindRun,
  });
  return source;
}

export function hubOriginOf(source: ModelSource | undefined | null): HubOrigin | undefined {
  return source ? origins.get(source) : undefined;
}

/** Ties a run's cancel to the source's requests (no effect for sources not from the Hub). */
export function bindHubRun(source: ModelSource, signal: AbortSignal): void {
  origins.get(source)?.bindRun(signal);
}
