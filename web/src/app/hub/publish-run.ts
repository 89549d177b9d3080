// Publishing a finished run from the app: its output files (read back from where they were written, as
// Blobs the upload streams), and a model card naming the source repository when the model came from the Hub.
import { QuantsmithError } from '../../core/errors.ts';
import { buildModelCard } from '../../core/hub/model-card.ts';
import { publishToHub, type PublishProgress, type PublishResult } from '../../core/hub/publish.ts';
import { normalizeEndpoint } from '../../core/hub/hub-access.ts';
import { llamaCppCommands } from '../run/command-lines.ts';
import { modelCardQuality } from '../quality/quality-session.ts';
import type { RunState } from '../run/run-state.ts';
import type { HubOrigin } from './hub-session.ts';
import { HUB_MAX_FILE_BYTES } from '../../core/hub/hub-file-limit.ts';
import { publishRefusal } from './hub-size.ts';

export const APP_WRITE_TOKEN_HINT = 'paste a token with write access in the token field';

export interface PublishRequest {
  readonly repo: string;
  readonly private: boolean;
  readonly endpoint: string;
  readonly token?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PublishProgress) => void;
}

export function publishCard(run: Extract<RunState, { kind: 'done' }>, origin: HubOrigin | undefined, repo: string): string {
  return buildModelCard({
    repo,
    baseModel: origin && { repo: origin.repo, commit: origin.commit, endpoint: origin.endpoint },
    sourceName: run.modelName,
    // a split output is one type with its shards (llama.cpp is given the first; it finds the others by name)
    outputs: run.outputs.map((o) => ({
      type: o.type,
      files: (o.split ? o.split.shards : [o]).map((f) => ({ path: f.fileName, size: f.size, sha256: f.sha256 })),
      quality: run.quality && modelCardQuality(run.quality, o.fileName),
      llamaCpp: llamaCppCommands(run.modelName, o.split?.outputName ?? o.fileName, o.type, run.preset, run.hfOuttype),
    })),
  });
}

/**
 * Uploads every file of the run (each shard of a split output) in one commit. An output with a file over
 * the Hub's per-file limit (`limit`, the Hub's unless a test gives a small one) is refused before any request.
 */
export async function publishRun(run: Extract<RunState, { kind: 'done' }>, origin: HubOrigin | undefined, req: PublishRequest, limit = HUB_MAX_FILE_BYTES): Promise<PublishResult> {
  const refusal = publishRefusal(run.outputs, limit);
  if (refusal) throw new QuantsmithError(refusal);
  const files = run.outputs.flatMap((o) => (o.split ? o.split.shards : [o]));
  const items = await Promise.all(
    files.map(async (f) => {
      if (!f.readBack) throw new QuantsmithError(`${f.fileName} cannot be read back from where it was saved`);
      return { path: f.fileName, content: await f.readBack() };
    }),
  );
  const endpoint = normalizeEndpoint(req.endpoint);
  return publishToHub(req.repo.trim(), items, publishCard(run, origin, req.repo.trim()), { endpoint, token: req.token, tokenHint: APP_WRITE_TOKEN_HINT, signal: req.signal }, {
    private: req.private,
    title: `Add ${run.outputs.map((o) => (o.split ? `${o.split.outputName.replace(/\.gguf$/, '')} (${o.split.shards.length} shards)` : o.fileName)).join(', ')} (Quantsmith)`,
    onProgress: req.onProgress,
  });
}
