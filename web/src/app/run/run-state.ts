// The run as the page shows it: nothing yet, running (with the latest progress), finished, cancelled, failed.
import type { JobProgress } from '../../core/engine/api.ts';
import type { QuantPlan } from '../../core/quant/plan.ts';
import type { Preset } from '../presets/preset.ts';
import type { FloatOuttype } from './command-lines.ts';
import type { QualityReport } from '../quality/quality-session.ts';

/** One file of a split output. */
export interface OutputShardFile {
  readonly fileName: string;
  readonly location: string;
  /** exact size from the plan */
  readonly plannedSize: number;
  readonly download?: () => Promise<void>;
  readonly readBack?: () => Promise<Blob>;
}

export interface FinishedShardFile extends OutputShardFile {
  readonly size: number;
  readonly sha256: string;
}

export interface RunOutput {
  /** llama.cpp ftype name */
  readonly type: string;
  /** the file, or a split output's first shard (the one llama.cpp is given) */
  readonly fileName: string;
  /** where the file went, in words */
  readonly location: string;
  /** exact size from the plan */
  readonly plannedSize: number;
  /** offer the finished file again (download fallback only) */
  readonly download?: () => Promise<void>;
  /** the finished file, read back (to publish it); a split output has one per shard instead */
  readonly readBack?: () => Promise<Blob>;
  /** set for a split output: the name its shards are named after (m-Q8_0.gguf), and its shards in order */
  readonly split?: { readonly outputName: string; readonly shards: readonly OutputShardFile[] };
}

export interface FinishedOutput extends RunOutput {
  /** the file's size, or a split output's total */
  readonly size: number;
  /** the file's SHA-256, or a split output's first shard's (each shard's is in split.shards) */
  readonly sha256: string;
  readonly plan: QuantPlan;
  readonly split?: { readonly outputName: string; readonly shards: readonly FinishedShardFile[] };
}

export type RunState =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'running';
      readonly modelName: string;
      readonly outputs: readonly RunOutput[];
      readonly progress: JobProgress | null;
      readonly cancelling: boolean;
    }
  | {
      readonly kind: 'done';
      readonly modelName: string;
      readonly sourceSize: number;
      readonly outputs: readonly FinishedOutput[];
      readonly seconds: number;
      readonly preset: Preset;
      /** set when the source was a Hugging Face folder: the float type it was converted to */
      readonly hfOuttype?: FloatOuttype;
      /** the latest Check quality figures of these outputs (offered to the model card) */
      readonly quality?: QualityReport;
    }
  | { readonly kind: 'cancelled'; readonly modelName: string }
  | { readonly kind: 'failed'; readonly modelName: string; readonly message: string };
