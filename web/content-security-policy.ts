// The app's Content-Security-Policy, written into index.html at build time as a <meta> tag (so it holds on
// any static host, with or without control over headers). Scripts, workers, styles and the kernel module
// come from the app's own origin only; the page connects to its own origin and to the Hugging Face Hub
// (its API, and the CDN hosts it redirects downloads to), nowhere else.
import type { Plugin } from 'vite';

/** huggingface.co and the hosts it redirects file downloads to (cdn-lfs…, cas-bridge.xethub.hf.co, …) */
export const HUB_ORIGINS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://hf.co', 'https://*.hf.co'];

/**
 * The policy. `extraConnect`: more origins the page may connect to, from QUANTSMITH_CONNECT_SRC at build
 * time (space-separated): a Hub mirror, or the tests' stand-in Hub on 127.0.0.1.
 */
export function contentSecurityPolicy(extraConnect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets the page compile the kernel module; it allows no JavaScript eval
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    // Svelte sets some style attributes in markup it clones
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${[...HUB_ORIGINS, ...extraConnect].join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

/** Vite plugin: the policy as the first element of <head>, so it covers everything after it. */
export function contentSecurityPolicyMeta(): Plugin {
  const extra = (process.env.QUANTSMITH_CONNECT_SRC ?? '').split(/\s+/).filter(Boolean);
  return {
    name: 'quantsmith-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(extra) }, injectTo: 'head-prepend' },
    ],
  };
}
