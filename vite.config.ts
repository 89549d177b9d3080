// The app's build: Svelte 5 in web/, output in dist/ at the repo top, a workbox service worker that
// precaches the app shell, the WASM and the sample model (copied in from ../shared at build time).
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { contentSecurityPolicyMeta } from './web/content-security-policy.ts';
import { existsSync, readFileSync, createReadStream, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const SAMPLE_MODEL = 'pydoc-llama-5m-F16.gguf';
const SAMPLE_TEXT = 'heldout.txt';

/** A file of the trained test model in ../shared, served at /samples/<name>; not committed, copied per build. */
function sharedSample(define: string, name: string, what: string): Plugin {
  const path = repo(`../shared/models/pydoc-llama-5m/${name}`);
  const urlPath = `samples/${name}`;
  const present = existsSync(path);
  return {
    name: `quantsmith-sample-${name}`,
    config: () => ({
      define: { [define]: JSON.stringify(present ? { path: urlPath, name, size: statSync(path).size } : null) },
    }),
    configureServer(server) {
      server.middlewares.use(`/${urlPath}`, (_req, res) => {
        if (!present) return void (res.statusCode = 404, res.end());
        res.setHeader('Content-Type', name.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'application/octet-stream');
        res.setHeader('Content-Length', String(statSync(path).size));
        createReadStream(path).pipe(res);
      });
    },
    generateBundle() {
      if (!present) {
        this.warn(`${name} not found at ${path}; ${what} will be hidden`);
        return;
      }
      this.emitFile({ type: 'asset', fileName: urlPath, source: readFileSync(path) });
    },
  };
}

export default defineConfig({
  root: repo('./web'),
  publicDir: repo('./public'),
  base: './',
  build: {
    outDir: repo('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    // the WASM must stay a file of its own (precached, streamed into each worker), never inlined
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
  },
  worker: { format: 'es' },
  server: { fs: { allow: [repo('.')] } },
  plugins: [
    svelte({ configFile: false }),
    // the F16 GGUF (10.6 MB) and its held-out text (317 kB of the Python documentation, PSF License)
    sharedSample('__SAMPLE_MODEL__', SAMPLE_MODEL, '"Try the sample model"'),
    sharedSample('__SAMPLE_TEXT__', SAMPLE_TEXT, 'the bundled quality-check text'),
    contentSecurityPolicyMeta(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icons/*.png', 'icons/*.svg'],
      manifest: {
        id: './',
        name: 'Quantsmith',
        short_name: 'Quantsmith',
        description: 'Quantize LLMs in your browser: GGUF in, llama.cpp-identical quantized GGUF out, straight to disk.',
        start_url: './',
        scope: './',
        display: 'standalone',
        theme_color: '#1f3b4d',
        background_color: '#f7f6f2',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        file_handlers: [{ action: './', accept: { 'application/octet-stream': ['.gguf'] } }],
        launch_handler: { client_mode: 'focus-existing' },
      },
      workbox: {
        // the app shell, the worker chunks, the WASM, the sample model (10.6 MB) and its text (317 kB):
        // "Try the sample model" and Check quality's bundled text work offline from the first visit on
        globPatterns: ['**/*.{html,js,css,wasm,png,svg,webmanifest}', `samples/${SAMPLE_MODEL}`, `samples/${SAMPLE_TEXT}`],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
    }),
  ],
});
