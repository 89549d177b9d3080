// Publishing outputs to a Hub repository through @huggingface/hub: the repository is created if missing
// (private if asked), then one commit adds the files and the model card. The library uploads every large
// file first and commits last, so a failed or cancelled upload leaves no commit at all, never half of one.
// Contents are Blobs read as they are sent (a file on disk, an OPFS file), never copied whole into memory.
// publishOutputs is the whole publish of a run: each output a list of files (one, or its shards), the card
// written from the same list, every file of every output in the one commit.
import { commitIter, createRepo } from '@huggingface/hub';
import { CancelledError, QuantsmithError } from '../errors.ts';
import { checkToken, errorContext, hubRequests, signalOf, type HubAccess } from './hub-access.ts';
import { formatSize } from './candidates.ts';
import { HUB_MAX_FILE_BYTES } from './hub-file-limit.ts';
import { HubHttpError } from './hub-errors.ts';
import { parseHubRef } from './hub-ref.ts';
import { buildModelCard, outputLabel, type CardInput, type CardOutput, type CardOutputFile } from './model-card.ts';

export interface PublishItem {
  /** path in the repository */
  readonly path: string;
  readonly content: Blob;
}

export interface PublishProgress {
  readonly phase: 'creating' | 'preuploading' | 'hashing' | 'uploading' | 'committing';
  readonly path?: string;
  /** 0..1 for the file named, when the library reports it */
  readonly fraction?: number;
}

export interface PublishOptions {
  readonly private?: boolean;
  /** the commit's title */
  readonly title: string;
  readonly onProgress?: (p: PublishProgress) => void;
  /** the largest file the Hub takes (HUB_MAX_FILE_BYTES unless a test injects a smaller one): a bigger file is refused before any request */
  readonly maxFileBytes?: number;
}

export interface PublishResult {
  readonly repo: string;
  readonly created: boolean;
  readonly commitOid: string;
  readonly commitUrl: string;
}

export async function publishToHub(repoInput: string, items: readonly PublishItem[], card: string, access: HubAccess, options: PublishOptions): Promise<PublishResult> {
  const ref = parseHubRef(repoInput, access.endpoint);
  if (ref.revision || ref.path) throw new QuantsmithError(`publish to a repository (org/name), not to '${repoInput}'`);
  const repo = ref.repo;
  const token = checkToken(access.token);
  const ctx = errorContext(access, repo, undefined, undefined, true);
  if (!token) throw new QuantsmithError(`publishing to ${repo} needs a token with write access: ${access.tokenHint}`);
  const fetch = hubRequests(access, ctx);
  const signal = signalOf(access.signal);
  const maxFileBytes = options.maxFileBytes ?? HUB_MAX_FILE_BYTES;
  const tooBig = items.find((i) => i.content.size > maxFileBytes);
  if (tooBig) {
    throw new QuantsmithError(
      `${tooBig.path} is ${formatSize(tooBig.content.size)} (${tooBig.content.size} bytes), over the Hub's per-file limit of ${formatSize(maxFileBytes)}; publish it split into smaller shards`,
    );
  }
  const paths = new Set<string>();
  for (const item of [...items.map((i) => i.path), 'README.md']) {
    if (paths.has(item)) throw new QuantsmithError(`two files would be published as ${item}`);
    paths.add(item);
  }
  try {
    options.onProgress?.({ phase: 'creating' });
    let created = true;
    try {
      await createRepo({ repo, hubUrl: access.endpoint, accessToken: token, fetch, ...(options.private ? { visibility: 'private' as const } : {}) });
    } catch (e) {
      if (!(e instanceof HubHttpError && e.status === 409)) throw e;
      created = false; // it exists already: publish into it
    }
    const operations = [
      ...items.map((i) => ({ operation: 'addOrUpdate' as const, path: i.path, content: i.content })),
      { operation: 'addOrUpdate' as const, path: 'README.md', content: new Blob([card], { type: 'text/markdown' }) },
    ];
    const events = commitIter({ repo, title: options.title, operations, hubUrl: access.endpoint, accessToken: token, fetch, abortSignal: signal });
    for (;;) {
      const next = await events.next();
      if (next.done) {
        if (!next.value) throw new QuantsmithError(`${access.endpoint} confirmed no commit to ${repo}`);
        return { repo, created, commitOid: next.value.commit.oid, commitUrl: next.value.commit.url };
      }
      const ev = next.value;
      if (ev.event === 'phase') options.onProgress?.({ phase: ev.phase === 'uploadingLargeFiles' ? 'uploading' : ev.phase });
      else if (ev.state !== 'error') options.onProgress?.({ phase: ev.state, path: ev.path, fraction: ev.progress });
    }
  } catch (e) {
    if (signal?.aborted || e instanceof CancelledError) throw new CancelledError();
    const why = e instanceof QuantsmithError ? e.message : `could not publish to ${repo}: ${String((e as Error)?.message ?? e).split('. URL:')[0]}`;
    throw new QuantsmithError(`${why}; nothing was committed to ${repo}`);
  }
}

/** One file of an output to publish: what the card says of it, and its content. */
export interface OutputFileToPublish extends CardOutputFile {
  readonly content: Blob;
}

/** One output to publish: its type, its file or shards (in order), its quality figures and llama.cpp commands. */
export interface OutputToPublish extends Omit<CardOutput, 'files'> {
  readonly files: readonly OutputFileToPublish[];
}

export interface OutputsToPublish extends Omit<CardInput, 'repo' | 'files' | 'outputs'> {
  readonly outputs: readonly OutputToPublish[];
}

/**
 * Publishes outputs, each made of one file or of several shards, with the model card that lists them,
 * in one commit: every shard of every output or nothing. The title defaults to "Add <outputs> (Quantsmith)".
 */
export async function publishOutputs(repoInput: string, what: OutputsToPublish, access: HubAccess, options: Omit<PublishOptions, 'title'> & { readonly title?: string }): Promise<PublishResult> {
  if (what.outputs.length === 0) throw new QuantsmithError('nothing to publish: no output');
  for (const o of what.outputs) {
    if (o.files.length === 0) throw new QuantsmithError(`the ${o.type} output has no file to publish`);
    for (const f of o.files) {
      if (f.content.size !== f.size) throw new QuantsmithError(`${f.path} is ${f.content.size} bytes, not the ${f.size} it was written with; it changed since, so it is not published`);
    }
  }
  const repo = parseHubRef(repoInput, access.endpoint).repo;
  const outputs = what.outputs.map((o) => ({ ...o, files: o.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })) }));
  const card = buildModelCard({ repo, baseModel: what.baseModel, sourceName: what.sourceName, outputs });
  const items = what.outputs.flatMap((o) => o.files.map((f) => ({ path: f.path, content: f.content })));
  const title = options.title ?? `Add ${outputs.map(outputLabel).join(', ')} (Quantsmith)`;
  return publishToHub(repoInput, items, card, access, { ...options, title });
}
