// The app's build: Svelte 5 in web/, output in dist/ at the repo top, a workbox service worker that
// precaches the app shell, the WASM and the sample model (copied in from ../shared at build time).
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { contentSecurityPolicyMeta } from './web/content-security-policy.ts';
import { existsSync, readFileSync, createReadStream, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The trained test model's F16 GGUF (10.6 MB), served at /samples/<name>; not committed, copied per build. */
const SAMPLE_NAME = 'pydoc-llama-5m-F16.gguf';
const SAMPLE_PATH = repo(`../shared/models/pydoc-llama-5m/${SAMPLE_NAME}`);
const SAMPLE_URL_PATH = `samples/${SAMPLE_NAME}`;

function sampleModel(): Plugin {
  const present = existsSync(SAMPLE_PATH);
  return {
    name: 'quantsmith-sample-model',
    config: () => ({
      define: {
        __SAMPLE_MODEL__: JSON.stringify(
          present ? { path: SAMPLE_URL_PATH, name: SAMPLE_NAME, size: statSync(SAMPLE_PATH).size } : null,
        ),
      },
    }),
    configureServer(server) {
      server.middlewares.use(`/${SAMPLE_URL_PATH}`, (_req, res) => {
        if (!present) return void (res.statusCode = 404, res.end());
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(statSync(SAMPLE_PATH).size));
        createReadStream(SAMPLE_PATH).pipe(res);
      });
    },
    generateBundle() {
      if (!present) {
        this.warn(`sample model not found at ${SAMPLE_PATH}; "Try the sample model" will be hidden`);
        return;
      }
      this.emitFile({ type: 'asset', fileName: SAMPLE_URL_PATH, source: readFileSync(SAMPLE_PATH) });
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
    sampleModel(),
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
        // the app shell, the worker chunks, the WASM and the sample model (10.6 MB): "Try the sample model"
        // works offline from the first visit on
        globPatterns: ['**/*.{html,js,css,wasm,png,svg,webmanifest}', `${SAMPLE_URL_PATH}`],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
    }),
  ],
});
