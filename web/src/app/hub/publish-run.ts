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
    files: run.outputs.map((o) => ({
      path: o.fileName,
      type: o.type,
      size: o.size,
      sha256: o.sha256,
      llamaCpp: llamaCppCommands(run.modelName, o.fileName, o.type, run.preset, run.hfOuttype),
      quality: run.quality && modelCardQuality(run.quality, o.fileName),
    })),
  });
}

export async function publishRun(run: Extract<RunState, { kind: 'done' }>, origin: HubOrigin | undefined, req: PublishRequest): Promise<PublishResult> {
  const items = await Promise.all(
    run.outputs.map(async (o) => {
      if (!o.readBack) throw new QuantsmithError(`${o.fileName} cannot be read back from where it was saved`);
      return { path: o.fileName, content: await o.readBack() };
    }),
  );
  const endpoint = normalizeEndpoint(req.endpoint);
  return publishToHub(req.repo.trim(), items, publishCard(run, origin, req.repo.trim()), { endpoint, token: req.token, tokenHint: APP_WRITE_TOKEN_HINT, signal: req.signal }, {
    private: req.private,
    title: `Add ${run.outputs.map((o) => o.fileName).join(', ')} (Quantsmith)`,
    onProgress: req.onProgress,
  });
}
