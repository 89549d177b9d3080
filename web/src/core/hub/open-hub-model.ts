// A model on the Hub as a ModelSource, read with range requests as the engine goes: list the repository
// at one commit, find what can be quantized, open the chosen safetensors set or GGUF.
import { QuantsmithError } from '../errors.ts';
import { openGgufModel } from '../engine/gguf-source.ts';
import type { ModelSource } from '../engine/model-source.ts';
import { openHfModel } from '../formats/hf/open-hf-model.ts';
import type { HubAccess } from './hub-access.ts';
import { chooseCandidate, findCandidates, type HubCandidate } from './candidates.ts';
import { hubFolder } from './hub-folder.ts';
import { listHubRepo, type HubListing } from './hub-listing.ts';
import type { HubRef } from './hub-ref.ts';
import { ReadAheadBudget } from './read-ahead-budget.ts';
import { openRemoteFile } from './remote-file.ts';

export interface OpenHubModelOptions {
  /** a candidate id or one of its files (overrides the file a resolve/blob link names) */
  readonly pick?: string;
  /** how this front end lets the user choose, for the "several candidates" message */
  readonly chooseHint: string;
}

export interface HubModel {
  readonly source: ModelSource;
  readonly listing: HubListing;
  readonly candidate: HubCandidate;
}

export async function openHubModel(ref: HubRef, access: HubAccess, options: OpenHubModelOptions): Promise<HubModel> {
  const listing = await listHubRepo(ref, access);
  const label = `${ref.repo}@${listing.revision}`;
  const pick = options.pick ?? (ref.pathKind === 'file' ? ref.path : undefined);
  if (pick !== undefined && ref.pathKind === 'file' && !listing.files.some((f) => f.path === pick)) {
    throw new QuantsmithError(`${label} has no file ${pick}`);
  }
  if (ref.pathKind === 'folder' && !listing.files.some((f) => f.path.startsWith(`${ref.path}/`))) {
    throw new QuantsmithError(`${label} has no folder ${ref.path}`);
  }
  // one bound on read-ahead for every file of the job
  const budget = new ReadAheadBudget();
  const search = await findCandidates(listing, (dir) => hubFolder(listing, access, dir, budget), ref.pathKind === 'folder' ? ref.path : undefined);
  const candidate = chooseCandidate(label, search, pick, options.chooseHint);
  if (candidate.kind === 'safetensors') {
    const source = await openHfModel(hubFolder(listing, access, candidate.dir, budget));
    return { source, listing, candidate };
  }
  if (candidate.files.length > 1) {
    throw new QuantsmithError(`${candidate.id} is a GGUF split in ${candidate.files.length} files, which Quantsmith cannot read yet; choose another model of ${label}`);
  }
  const file = openRemoteFile(listing, candidate.files[0], access, budget);
  try {
    return { source: await openGgufModel(file), listing, candidate };
  } catch (e) {
    await file.close?.();
    throw e;
  }
}
