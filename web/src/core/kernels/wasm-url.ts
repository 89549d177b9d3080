// Where the kernel module lives, for callers to fetch (browser, bundled as an asset by Vite) or read
// from disk (Node: web/src/io/node-wasm.ts). Built by `node scripts/build-wasm.mjs`.
export const KERNELS_WASM_URL = new URL('../../../../wasm/out/quantsmith.wasm', import.meta.url);
