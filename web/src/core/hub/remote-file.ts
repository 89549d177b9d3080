// Opens one file of a listed repository for range reads, pinned to the listing's commit.
import type { ByteSource } from '../byte-source.ts';
import { authHeaders, errorContext, type HubAccess } from './hub-access.ts';
import { hubHttpError } from './hub-errors.ts';
import type { HubFile, HubListing } from './hub-listing.ts';
import { HttpRangeSource } from './http-range-source.ts';
import type { ReadAheadBudget } from './read-ahead-budget.ts';

/** {endpoint}/{repo}/resolve/{commit}/{path}, each path segment escaped */
export function resolveUrl(endpoint: string, repo: string, revision: string, path: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export function openRemoteFile(listing: HubListing, file: HubFile, access: HubAccess, budget?: ReadAheadBudget): ByteSource {
  const ctx = errorContext(access, listing.repo, listing.revision, file.path);
  return new HttpRangeSource({
    url: resolveUrl(access.endpoint, listing.repo, listing.commit, file.path),
    name: file.path.split('/').pop()!,
    size: file.size,
    what: `${listing.repo}@${listing.revision}/${file.path}`,
    headers: authHeaders(access),
    commit: listing.commit,
    fetch: access.fetch,
    signal: access.signal,
    retry: access.retry,
    blockBytes: access.blockBytes,
    budget,
    meter: access.meter,
    onRetry: access.onRetry,
    errorFor: (status, code) => hubHttpError(status, code, ctx),
  });
}
