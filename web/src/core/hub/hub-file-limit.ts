// The Hub takes files of at most 50 GB each; an output bigger than that goes up split into shards
// (llama-gguf-split's format). The shards are cut at 49 GB of tensor data, which leaves room for each
// shard's header under the limit.

/** the Hub's per-file limit, in bytes */
export const HUB_MAX_FILE_BYTES = 50_000_000_000;

/** the --split-max-size an output bigger than HUB_MAX_FILE_BYTES is split with before it is published */
export const HUB_SPLIT_MAX_SIZE = '49G';

/** The limit a publish is planned against: the Hub's, unless a test injects a tiny one. */
export interface HubFileLimit {
  /** the largest file the Hub takes, in bytes */
  readonly maxFileBytes: number;
  /** the --split-max-size (N(M|G), as llama-gguf-split reads it) an output over maxFileBytes is split with */
  readonly splitMaxSize: string;
}

export const HUB_FILE_LIMIT: HubFileLimit = Object.freeze({ maxFileBytes: HUB_MAX_FILE_BYTES, splitMaxSize: HUB_SPLIT_MAX_SIZE });
