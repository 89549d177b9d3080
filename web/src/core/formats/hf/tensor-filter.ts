// TextModel.filter_tensors and ModelBase.filter_tensors: the checkpoint tensors every text model drops
// (vision, audio and projector parts of multimodal checkpoints) or renames before conversion.

const DROPPED_PREFIXES = ['mlp', 'vit.', 'vpm.', 'siglip2.', 'conformer.', 'merger.', 'resampler.', 'sound_encoder.', 'sound_projection.', 'speech_embeddings.'];
const DROPPED_PARTS = ['visual.', 'vision.', 'audio.', 'talker.', 'vision_', 'audio_', 'token2wav.', 'code2wav.', 'projector.',
  'pre_mm_projector_norm', 'image_newline', 'view_seperator', 'patch_embed', 'patch_embedding', 'patch_merger.', 'patch_merge_mlp.',
  'model.connector.'];

export function textModelFilter(name: string): string | null {
  if (DROPPED_PREFIXES.some((p) => name.startsWith(p)) || DROPPED_PARTS.some((p) => name.includes(p))) return null;
  let n = name;
  if (n.endsWith('e_score_correction_bias')) n = n.replaceAll('e_score_correction_bias', 'e_score_correction.bias');
  if (n.includes('language_model.')) n = n.replaceAll('language_model.', '');
  return n;
}

/** Tensors prepare_tensors skips whatever the model. */
export function isUnusedTensor(name: string): boolean {
  return name.endsWith('.attention.masked_bias') || name.endsWith('.attention.bias') || name.endsWith('.rotary_emb.inv_freq');
}
