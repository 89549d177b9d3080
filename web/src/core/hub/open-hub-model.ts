// A model on the Hub as a ModelSource, read with range requests as the engine goes: list the repository
// at one commit, find what can be quantized, open the chosen safetensors set or GGUF. The app does the two
// steps apart (the user picks among candidates in between); the CLI does them in one.
import { QuantsmithError } from '../errors.ts';
import { openGgufModel } from '../engine/gguf-source.ts';
import { openSplitModel } from '../engine/split-source.ts';
import type { ModelSource } from '../engine/model-source.ts';
import { openHfModel } from '../formats/hf/open-hf-model.ts';
import type { HubAccess } from './hub-access.ts';
import { chooseCandidate, findCandidates, type CandidateSearch, type HubCandidate } from './candidates.ts';
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

/** A listed repository and what in it can be quantized. */
export interface HubModels {
  readonly ref: HubRef;
  /** "org/name@revision" for messages */
  readonly label: string;
  readonly listing: HubListing;
  readonly search: CandidateSearch;
  /** the file a resolve/blob link named, if any */
  readonly linkedFile?: string;
  /** one bound on read-ahead for every file of the job */
  readonly budget: ReadAheadBudget;
}

export interface HubModel {
  readonly source: ModelSource;
  readonly listing: HubListing;
  readonly candidate: HubCandidate;
}

export async function findHubModels(ref: HubRef, access: HubAccess): Promise<HubModels> {
  const listing = await listHubRepo(ref, access);
  const label = `${ref.repo}@${listing.revision}`;
  if (ref.pathKind === 'file' && !listing.files.some((f) => f.path === ref.path)) {
    throw new QuantsmithError(`${label} has no file ${ref.path}`);
  }
  if (ref.pathKind === 'folder' && !listing.files.some((f) => f.path.startsWith(`${ref.path}/`))) {
    throw new QuantsmithError(`${label} has no folder ${ref.path}`);
  }
  const budget = new ReadAheadBudget();
  const search = await findCandidates(listing, (dir) => hubFolder(listing, access, dir, budget), ref.pathKind === 'folder' ? ref.path : undefined);
  return { ref, label, listing, search, linkedFile: ref.pathKind === 'file' ? ref.path : undefined, budget };
}

export async function openHubCandidate(models: HubModels, candidate: HubCandidate, access: HubAccess): Promise<ModelSource> {
  const { listing, budget } = models;
  if (candidate.kind === 'safetensors') return openHfModel(hubFolder(listing, access, candidate.dir, budget));
  const files = candidate.files.map((f) => openRemoteFile(listing, f, access, budget));
  try {
    const first = await openGgufModel(files[0]);
    if (files.length === 1) return first;
    // the shards the listing found, by file name: the split reader asks for them as llama.cpp names them
    return await openSplitModel(first, async (name) => {
      const shard = files.find((f) => f.name === name || f.name.endsWith(`/${name}`));
      if (!shard) throw new QuantsmithError('it is not in the repository');
      return shard;
    });
  } catch (e) {
    await Promise.all(files.map((f) => f.close?.()));
    throw e;
  }
}

export async function openHubModel(ref: HubRef, access: HubAccess, options: OpenHubModelOptions): Promise<HubModel> {
  const models = await findHubModels(ref, access);
  const candidate = chooseCandidate(models.label, models.search, options.pick ?? models.linkedFile, options.chooseHint);
  return { source: await openHubCandidate(models, candidate, access), listing: models.listing, candidate };
}
