// Paths the tests share: the repo, the trained model beside it in ../shared, and scratch folders.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_MODEL_DIR = join(REPO, '..', 'shared', 'models', 'pydoc-llama-5m');
export const SHARED_F16_GGUF = join(SHARED_MODEL_DIR, 'pydoc-llama-5m-F16.gguf');
export const CLI_BIN = join(REPO, 'web', 'src', 'cli', 'bin.mjs');

/** A fresh scratch folder, removed when the process exits. */
export function scratchDir(prefix = 'quantsmith-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
/** llama-imatrix's importance matrix for the shared model, in both formats (see its README) */
export const SHARED_IMATRIX_GGUF = join(SHARED_MODEL_DIR, 'pydoc-llama-5m.imatrix.gguf');
export const SHARED_IMATRIX_DAT = join(SHARED_MODEL_DIR, 'pydoc-llama-5m.imatrix.dat');
