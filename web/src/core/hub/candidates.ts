// What in a repository Quantsmith can quantize: a Hugging Face safetensors set (config, tokenizer, weights,
// sharded through the index) in the root or a sub-folder, or an F16/BF16/F32 GGUF, single or split.
// What it cannot use is said plainly: already quantized, an architecture it cannot convert, pickle-only.
import { QuantsmithError } from '../errors.ts';
import { SUPPORTED_HF_ARCHITECTURES } from '../formats/hf/architectures/index.ts';
import { readFolderJsonObject, type ModelFolder } from '../formats/hf/model-folder.ts';
import type { HubFile, HubListing } from './hub-listing.ts';

export interface HubCandidate {
  readonly kind: 'safetensors' | 'gguf';
  /** what a user names to choose it: a GGUF's path (the first split's), or "<folder>/*.safetensors" */
  readonly id: string;
  /** the folder of a safetensors set ('' for the root); the GGUF's folder otherwise */
  readonly dir: string;
  /** the weight files (a GGUF's splits in order) */
  readonly files: readonly HubFile[];
  readonly size: number;
  /** "safetensors, 2 shards" / "GGUF F16" / "GGUF, 3 splits" */
  readonly description: string;
}

export interface CandidateSearch {
  readonly candidates: readonly HubCandidate[];
  /** why the rest cannot be used, one short clause each */
  readonly unusable: readonly string[];
}

const FLOAT_TOKEN = /^(f16|f32|bf16|fp16|fp32)$/i;
const QUANT_TOKEN = /^(i?q[1-8](_[0-9a-z]+)*|tq[12]_0|mxfp4)$/i;
const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;
const PICKLE = /(^|\/)(pytorch_model[^/]*\.bin|[^/]+\.(pt|pth|ckpt|pkl))$/i;

const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The type a GGUF's name states (llama.cpp's convention: "…-Q4_K_M.gguf", "….f16.gguf"), if any. */
export function ggufTypeInName(path: string): { type: string; float: boolean } | undefined {
  const tokens = baseOf(path).replace(/\.gguf$/i, '').replace(SPLIT, '$1').split(/[-.]/);
  for (let i = tokens.length - 1; i >= 0; i--) {
    if (FLOAT_TOKEN.test(tokens[i])) return { type: tokens[i].toUpperCase().replace(/^FP/, 'F'), float: true };
    if (QUANT_TOKEN.test(tokens[i])) return { type: tokens[i].toUpperCase(), float: false };
  }
  return undefined;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/**
 * `openFolder` opens a folder of the listing (for config.json); `within` narrows to a folder (tree links).
 */
export async function findCandidates(
  listing: HubListing,
  openFolder: (dir: string) => ModelFolder,
  within?: string,
): Promise<CandidateSearch> {
  const inScope = listing.files.filter((f) => !within || f.path.startsWith(`${within}/`));
  const candidates: HubCandidate[] = [];
  const unusable: string[] = [];

  // safetensors sets: a folder with config.json and its weights
  const dirs = new Set(inScope.filter((f) => f.path.endsWith('.safetensors')).map((f) => dirOf(f.path)));
  for (const dir of [...dirs].sort()) {
    const children = inScope.filter((f) => dirOf(f.path) === dir);
    const names = new Set(children.map((f) => baseOf(f.path)));
    const where = dir ? `${dir}/` : '';
    if (!names.has('config.json')) {
      unusable.push(`${where}*.safetensors come without a config.json`);
      continue;
    }
    const weights = children.filter((f) => baseOf(f.path).endsWith('.safetensors') && (names.has('model.safetensors.index.json') || baseOf(f.path).startsWith('model')));
    if (weights.length === 0) continue;
    const reason = await configProblem(openFolder(dir), where);
    if (reason) {
      unusable.push(reason);
      continue;
    }
    candidates.push({
      kind: 'safetensors',
      id: `${where}*.safetensors`,
      dir,
      files: weights,
      size: weights.reduce((s, f) => s + f.size, 0),
      description: `safetensors${weights.length > 1 ? `, ${weights.length} shards` : ''}`,
    });
  }

  // pickle-only folders
  const pickleDirs = new Set(inScope.filter((f) => PICKLE.test(f.path)).map((f) => dirOf(f.path)));
  for (const dir of pickleDirs) {
    if (dirs.has(dir)) continue;
    const first = inScope.find((f) => dirOf(f.path) === dir && PICKLE.test(f.path))!;
    unusable.push(`${first.path} holds PyTorch pickle weights only, which Quantsmith does not open (loading them can run code); look for a safetensors version (a refs/pr/… revision or another repository)`);
  }

  // GGUF files, split ones grouped by their stem
  const quantized = new Set<string>();
  const groups = new Map<string, HubFile[]>();
  for (const f of inScope.filter((f) => /\.gguf$/i.test(f.path))) {
    const name = baseOf(f.path);
    if (/^mmproj/i.test(name) || /imatrix/i.test(name)) continue;
    const split = SPLIT.exec(f.path);
    const key = split ? `${split[1]}\0${split[3]}` : f.path;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, files] of groups) {
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    const named = ggufTypeInName(files[0].path);
    if (named && !named.float) {
      quantized.add(named.type);
      continue;
    }
    const split = key.includes('\0');
    if (split) {
      const count = Number(key.split('\0')[1]);
      if (files.length !== count) {
        unusable.push(`${files[0].path} is split in ${count} but ${files.length} are in the repository`);
        continue;
      }
    }
    candidates.push({
      kind: 'gguf',
      id: files[0].path,
      dir: dirOf(files[0].path),
      files,
      size: files.reduce((s, f) => s + f.size, 0),
      description: `GGUF${named ? ` ${named.type}` : ''}${split ? `, ${files.length} splits` : ''}`,
    });
  }
  if (quantized.size > 0) unusable.push(`its GGUF files are already quantized (${[...quantized].sort().join(', ')}); Quantsmith needs F16, BF16 or F32 weights`);
  return { candidates, unusable };
}

async function configProblem(folder: ModelFolder, where: string): Promise<string | undefined> {
  let config: Record<string, unknown>;
  try {
    config = await readFolderJsonObject(folder, 'config.json');
  } catch (e) {
    if (e instanceof QuantsmithError && /not valid|must hold/.test(e.message)) return `${where}config.json is unreadable`;
    throw e;
  }
  const q = config.quantization_config as { quant_method?: unknown } | undefined;
  if (q && typeof q === 'object') {
    return `${where}*.safetensors are already quantized (${String(q.quant_method ?? 'quantization_config')}); Quantsmith needs F16, BF16 or F32 weights`;
  }
  const arch = Array.isArray(config.architectures) ? String(config.architectures[0]) : undefined;
  if (!arch) return `${where}config.json names no architecture`;
  if (!SUPPORTED_HF_ARCHITECTURES.includes(arch)) {
    return `${where}*.safetensors are a ${arch}, an architecture Quantsmith cannot convert (it converts ${SUPPORTED_HF_ARCHITECTURES.join(', ')})`;
  }
  return undefined;
}

export class HubChoiceNeeded extends QuantsmithError {
  constructor(
    message: string,
    readonly candidates: readonly HubCandidate[],
  ) {
    super(message);
  }
}

export function describeCandidate(c: HubCandidate): string {
  return `${c.id} (${c.description}, ${formatSize(c.size)})`;
}

/**
 * The candidate to open: the one named by `pick` (a candidate id, one of its files, or "safetensors"),
 * else the only one; several make a HubChoiceNeeded listing them; none, a message saying why.
 */
export function chooseCandidate(label: string, search: CandidateSearch, pick: string | undefined, chooseHint: string): HubCandidate {
  const { candidates, unusable } = search;
  if (pick !== undefined) {
    const p = pick.replace(/^\/+/, '');
    const found = candidates.find(
      (c) => c.id === p || c.files.some((f) => f.path === p) || (c.kind === 'safetensors' && (p === 'safetensors' ? c.dir === '' : c.dir === p.replace(/\/+$/, ''))),
    );
    if (found) return found;
    if (/\.(json|model|txt)$/i.test(p)) {
      const set = candidates.find((c) => c.kind === 'safetensors' && c.dir === dirOf(p));
      if (set) return set;
    }
    const why = unusable.find((u) => u.startsWith(p) || u.includes(` ${p} `));
    throw new QuantsmithError(
      why ? `${label}: ${why}` : `${label} has no model '${pick}' Quantsmith can read${candidates.length ? `; it has ${candidates.map(describeCandidate).join(', ')}` : ''}`,
    );
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new QuantsmithError(`${label} has nothing Quantsmith can quantize: ${unusable.length ? unusable.join('; ') : 'no safetensors or GGUF weights'}`);
  }
  throw new HubChoiceNeeded(`${label} holds ${candidates.length} models Quantsmith can read; ${chooseHint}: ${candidates.map(describeCandidate).join(', ')}`, candidates);
}
