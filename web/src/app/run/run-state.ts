// The run as the page shows it: nothing yet, running (with the latest progress), finished, cancelled, failed.
import type { JobProgress } from '../../core/engine/api.ts';
import type { QuantPlan } from '../../core/quant/plan.ts';
import type { Preset } from '../presets/preset.ts';
import type { FloatOuttype } from './command-lines.ts';
import type { QualityReport } from '../quality/quality-session.ts';

export interface RunOutput {
  /** llama.cpp ftype name */
  readonly type: string;
  readonly fileName: string;
  /** where the file went, in words */
  readonly location: string;
  /** exact size from the plan */
  readonly plannedSize: number;
  /** offer the finished file again (download fallback only) */
  readonly download?: () => Promise<void>;
  /** the finished file, read back (to publish it) */
  readonly readBack?: () => Promise<Blob>;
}

export interface FinishedOutput extends RunOutput {
  readonly size: number;
  readonly sha256: string;
  readonly plan: QuantPlan;
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
