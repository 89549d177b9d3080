// The Hub settings a CLI user already has, read as huggingface_hub reads them: HF_ENDPOINT (mirrors),
// HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), else the token file `huggingface-cli login` writes
// ($HF_TOKEN_PATH, or $HF_HOME/token, HF_HOME defaulting to $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkToken, normalizeEndpoint } from '../core/hub/hub-access.ts';

export const CLI_TOKEN_HINT = 'set HF_TOKEN (or run huggingface-cli login)';

export interface HubEnv {
  readonly endpoint: string;
  readonly token?: string;
}

export function hubEnv(env: NodeJS.ProcessEnv = process.env): HubEnv {
  const endpoint = normalizeEndpoint(env.HF_ENDPOINT);
  const fromEnv = env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim();
  return { endpoint, token: checkToken(fromEnv || tokenFile(env)) };
}

function tokenFile(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'huggingface');
  const path = env.HF_TOKEN_PATH || join(home, 'token');
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
