// A repository's files at one commit, through @huggingface/hub (modelInfo for the commit the revision
// points at, listFiles for the tree at that commit): reading the listing and then the files at the
// commit means a push during the job cannot mix two versions.
import { listFiles, modelInfo } from '@huggingface/hub';
import { CancelledError, QuantsmithError } from '../errors.ts';
import { checkToken, errorContext, hubRequests, signalOf, type HubAccess } from './hub-access.ts';
import type { HubRef } from './hub-ref.ts';

export interface HubFile {
  /** '/'-separated path in the repository */
  readonly path: string;
  readonly size: number;
  /** the LFS object id (SHA-256 of the content) for files kept in LFS */
  readonly sha256?: string;
}

export interface HubListing {
  readonly repo: string;
  /** the revision as the user gave it ("main" when none was) */
  readonly revision: string;
  /** the commit it pointed at when listed */
  readonly commit: string;
  readonly files: readonly HubFile[];
}

export async function listHubRepo(ref: HubRef, access: HubAccess): Promise<HubListing> {
  checkToken(access.token);
  const revision = ref.revision ?? 'main';
  const ctx = errorContext(access, ref.repo, ref.revision);
  const fetch = hubRequests(access, ctx);
  try {
    const info = await modelInfo({ name: ref.repo, revision, hubUrl: access.endpoint, accessToken: access.token, fetch, additionalFields: ['sha'] });
    const commit = (info as { sha?: unknown }).sha;
    if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) {
      throw new QuantsmithError(`${access.endpoint} gave no commit for ${ref.repo}@${revision}`);
    }
    const files: HubFile[] = [];
    for await (const entry of listFiles({ repo: ref.repo, revision: commit, recursive: true, hubUrl: access.endpoint, accessToken: access.token, fetch })) {
      if (entry.type !== 'file') continue;
      files.push({ path: entry.path, size: entry.size, sha256: entry.lfs?.oid });
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { repo: ref.repo, revision, commit, files };
  } catch (e) {
    if (signalOf(access.signal)?.aborted) throw new CancelledError();
    if (e instanceof QuantsmithError || e instanceof CancelledError) throw e;
    // the library's own failures (malformed answers): one line, without its URL trailer
    throw new QuantsmithError(`could not list ${ref.repo}@${revision} on ${access.endpoint}: ${String((e as Error)?.message ?? e).split('. URL:')[0]}`);
  }
}
