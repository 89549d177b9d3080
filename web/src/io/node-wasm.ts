// Loads the kernel module from disk in Node (CLI, tests). Browsers fetch KERNELS_WASM_URL instead.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { KERNELS_WASM_URL } from '../core/kernels/wasm-url.ts';
import { instantiateKernels, type Kernels } from '../core/kernels/kernels.ts';

/** Compiles wasm/out/quantsmith.wasm (or `path`); fails with a hint when it has not been built. */
export async function loadWasmModuleFromDisk(path: string = fileURLToPath(KERNELS_WASM_URL)): Promise<WebAssembly.Module> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new Error(`cannot read the kernel module ${path} (build it with: node scripts/build-wasm.mjs): ${(e as Error).message}`);
  }
  return WebAssembly.compile(bytes);
}

/** The kernels, instantiated in this thread from the module on disk. */
export async function loadKernelsFromDisk(path?: string): Promise<Kernels> {
  return instantiateKernels(await loadWasmModuleFromDisk(path));
}
