// The Hub's refusals turned into one line a user can act on. Messages name the repository, revision or
// file, and say what to do; they never quote the token or the server's own text (which could echo it).
import { QuantsmithError } from '../errors.ts';

export interface HubErrorContext {
  readonly endpoint: string;
  readonly repo: string;
  readonly revision?: string;
  /** the file being read, when there is one */
  readonly path?: string;
  /** whether the request carried a token */
  readonly withToken: boolean;
  /** how this front end takes a token: "set HF_TOKEN or run huggingface-cli login", "paste a token" */
  readonly tokenHint: string;
  /** publishing rather than reading: refusals are about write access */
  readonly writing?: boolean;
}

export class HubHttpError extends QuantsmithError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function hubHttpError(status: number, errorCode: string | null, ctx: HubErrorContext): HubHttpError {
  const page = `${ctx.endpoint}/${ctx.repo}`;
  const at = ctx.revision ? `${ctx.repo}@${ctx.revision}` : ctx.repo;
  const msg = (() => {
    if (ctx.writing && (status === 401 || status === 403)) {
      if (status === 401 && !ctx.withToken) return `publishing to ${ctx.repo} needs a token with write access: ${ctx.tokenHint}`;
      if (status === 401) return `the token was refused by ${ctx.endpoint} (invalid or expired): create a write token at ${ctx.endpoint}/settings/tokens`;
      return `this token cannot write to ${ctx.repo}: it needs write access to that repository or its namespace (${ctx.endpoint}/settings/tokens)`;
    }
    if (errorCode === 'GatedRepo') {
      return ctx.withToken
        ? `this token cannot read ${ctx.repo}, a gated model: accept its licence at ${page} while signed in to the token's account (or ask for access there), then try again`
        : `${ctx.repo} is a gated model: accept its licence at ${page}, then ${ctx.tokenHint} with a read token of that account`;
    }
    if (errorCode === 'RepoNotFound' || (status === 404 && !errorCode && !ctx.path)) {
      return ctx.withToken
        ? `${ctx.repo}: no such model on ${ctx.endpoint}, or this token cannot see it`
        : `${ctx.repo}: no such model on ${ctx.endpoint} (if it is private, ${ctx.tokenHint})`;
    }
    if (errorCode === 'RevisionNotFound') return `${ctx.repo} has no branch, tag or commit '${ctx.revision ?? 'main'}'`;
    if (errorCode === 'EntryNotFound' || status === 404) return `${at} has no file ${ctx.path ?? ''}`.trimEnd();
    if (status === 401) {
      return ctx.withToken
        ? `the token was refused by ${ctx.endpoint} (invalid or expired): create a read token at ${ctx.endpoint}/settings/tokens`
        : `${ctx.repo} needs a token: ${ctx.tokenHint}`;
    }
    if (status === 403) return `this token cannot read ${ctx.repo} (403): it needs read access to that repository`;
    if (status === 429) return `${ctx.endpoint} is limiting requests (429): try again later`;
    return `${ctx.endpoint} answered HTTP ${status} for ${ctx.path ? `${at}/${ctx.path}` : at}`;
  })();
  return new HubHttpError(msg, status);
}
