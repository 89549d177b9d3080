// Builds the benchmark page (this folder) into the benchmark cache; the engine is imported from web/src.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    target: 'es2022',
    emptyOutDir: true,
    // the WASM stays a file of its own, fetched and compiled once like in the app
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
  },
  worker: { format: 'es' },
});
