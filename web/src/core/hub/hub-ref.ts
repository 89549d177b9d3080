// What people paste to name a model on the Hub: `org/name`, `org/name@revision`, a model page, a
// `tree/…` link (a revision and maybe a folder), or the `resolve/…` / `blob/…` link of one file.
import { QuantsmithError } from '../errors.ts';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubRef {
  /** "org/name" */
  readonly repo: string;
  /** branch, tag or commit; undefined means the default branch */
  readonly revision?: string;
  /** a file (resolve/blob links) or a folder (tree links) inside the repository */
  readonly path?: string;
  readonly pathKind?: 'file' | 'folder';
}

/** huggingface_hub's validate_repo_id: word characters, '-' and '.', no '--' or '..', at most 96 characters. */
const NAME_PART = /^[\w.-]+$/;

function checkRepoId(repo: string, input: string): void {
  const parts = repo.split('/');
  const ok =
    parts.length === 2 &&
    parts.every((p) => NAME_PART.test(p) && !/^[-.]|[-.]$/.test(p)) &&
    !repo.includes('--') &&
    !repo.includes('..') &&
    repo.length <= 96;
  if (!ok) throw new QuantsmithError(`'${input}' is not a Hub model id: expected org/name, org/name@revision or a huggingface.co link`);
}

/** True for text that is meant as a link rather than an id (it has a scheme or starts with a Hub host name). */
export function isHubLink(input: string, endpoint = DEFAULT_HUB_ENDPOINT): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input) || hostOf(input) !== undefined && hubHosts(endpoint).has(hostOf(input)!);
}

/** True when `input` has the shape of a Hub id or link (it may still not exist). */
export function looksLikeHubRef(input: string, endpoint = DEFAULT_HUB_ENDPOINT): boolean {
  if (isHubLink(input, endpoint)) return true;
  const id = input.split('@')[0];
  return /^[\w.-]+\/[\w.-]+$/.test(id) && !/^\.{1,2}$/.test(id.split('/')[0]);
}

export function parseHubRef(input: string, endpoint = DEFAULT_HUB_ENDPOINT): HubRef {
  const text = input.trim();
  if (text === '') throw new QuantsmithError('no Hub model given: expected org/name, org/name@revision or a huggingface.co link');
  if (isHubLink(text, endpoint)) return parseLink(text, endpoint);
  const at = text.indexOf('@');
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  checkRepoId(repo, text);
  if (revision !== undefined) checkRevision(revision, text);
  return { repo, revision };
}

function checkRevision(revision: string, input: string): void {
  // git's check-ref-format, as far as a pasted revision can break it
  if (revision === '' || /[\s~^:?*[\\]|\.\.|@\{|^\/|\/$|\.lock$/.test(revision)) {
    throw new QuantsmithError(`'${input}': '${revision}' is not a branch, tag or commit name`);
  }
}

function hubHosts(endpoint: string): Set<string> {
  const hosts = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co']);
  try {
    hosts.add(new URL(endpoint).host);
  } catch {
    // an endpoint that is not a URL is reported where it is used
  }
  return hosts;
}

function hostOf(input: string): string | undefined {
  const m = /^([a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)\//i.exec(input);
  return m?.[1].toLowerCase();
}

function parseLink(text: string, endpoint: string): HubRef {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new QuantsmithError(`'${text}' is not a valid link`);
  }
  if (!hubHosts(endpoint).has(url.host.toLowerCase())) {
    throw new QuantsmithError(`'${text}' is not a Hugging Face Hub link (the Hub here is ${endpoint}; set the endpoint to use a mirror)`);
  }
  const base = new URL(endpoint).pathname.replace(/\/+$/, '');
  const pathname = url.host === new URL(endpoint).host && base && url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
  let segments: string[];
  try {
    segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw new QuantsmithError(`'${text}' is not a valid link`);
  }
  if (segments[0] === 'datasets' || segments[0] === 'spaces') {
    throw new QuantsmithError(`'${text}' is a ${segments[0] === 'datasets' ? 'dataset' : 'Space'}, not a model`);
  }
  if (segments[0] === 'models' && segments.length > 2) segments = segments.slice(1);
  if (segments.length < 2) throw new QuantsmithError(`'${text}' names no model: a model link looks like ${endpoint}/org/name`);
  const repo = `${segments[0]}/${segments[1]}`;
  checkRepoId(repo, text);
  const [kind, revision, ...rest] = segments.slice(2);
  if (kind === undefined) return { repo };
  if (kind !== 'tree' && kind !== 'resolve' && kind !== 'blob') {
    throw new QuantsmithError(`'${text}' is not a model page, tree, resolve or blob link`);
  }
  if (revision === undefined) throw new QuantsmithError(`'${text}' names no revision after /${kind}/`);
  checkRevision(revision, text);
  const path = rest.join('/');
  if (kind === 'tree') return path ? { repo, revision, path, pathKind: 'folder' } : { repo, revision };
  if (!path) throw new QuantsmithError(`'${text}' names no file after /${kind}/${revision}/`);
  return { repo, revision, path, pathKind: 'file' };
}
