// The corrections llama.cpp's vocabulary loader (llama_vocab::impl::load) makes to token attributes by token text
// and model name, after reading the GGUF's token types. They decide which tokens the special-token pass cuts out
// of a text, so a tokenizer that skipped them would split differently.
import { QuantsmithError } from '../../errors.ts';
import { ATTR_CONTROL, ATTR_LSTRIP, ATTR_NORMAL, ATTR_RSTRIP, ATTR_USER_DEFINED } from './token-attrs.ts';

/** Texts the loader looks for when a FIM id is not in the metadata; the one it finds becomes a control token. */
const FIM_CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  pre: ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>'],
  suf: ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>'],
  mid: ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>'],
  pad: ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'],
  rep: ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'],
  sep: ['<|file_sep|>'],
};

/** Texts of end-of-generation tokens: each is made a control token whatever its type. */
const EOG_TEXTS: readonly string[] = [
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>',
  '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>',
  '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[',
];
// (the EOT and EOM texts the loader also looks for are all in EOG_TEXTS, so they need no pass of their own)

/** gpt-oss: always rendered, so user-defined */
const ALWAYS_USER_DEFINED: readonly string[] = ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>'];

export interface FixupContext {
  readonly texts: readonly string[];
  readonly idOf: ReadonlyMap<string, number>;
  readonly attrs: Uint16Array;
  /** FIM ids given by the metadata (tokenizer.ggml.fim_*_token_id and the deprecated prefix/suffix/middle ids) */
  readonly fimIds: Readonly<Record<string, number | undefined>>;
}

/** The fixes made before the special-token list is built. */
export function fixAttrsByText({ texts, idOf, attrs, fimIds }: FixupContext): void {
  for (const [kind, candidates] of Object.entries(FIM_CANDIDATES)) {
    if (fimIds[kind] !== undefined) continue;
    // llama.cpp takes the first match in its hash map's order; vocabularies with two of these are not seen in practice
    for (let id = 0; id < texts.length; id++) {
      if (candidates.includes(texts[id]!)) {
        attrs[id]! |= ATTR_CONTROL;
        break;
      }
    }
  }
  for (const text of EOG_TEXTS) {
    const id = idOf.get(text);
    if (id !== undefined) attrs[id]! |= ATTR_CONTROL;
  }
  for (const text of ALWAYS_USER_DEFINED) {
    const id = idOf.get(text);
    if (id !== undefined) attrs[id] = ATTR_USER_DEFINED;
  }
  // o200k_harmony and solar-open: <|end|> is not an end of generation there, and becomes user-defined
  const has = (t: string) => idOf.has(t);
  if (has('<|end|>') && ((has('<|return|>') && (has('<|call|>') || has('<|calls|>'))) || ((has('<|call|>') || has('<|calls|>')) && has('<|flush|>')))) {
    attrs[idOf.get('<|end|>')!] = ATTR_USER_DEFINED;
  }
  // gemma4 and paddleocr: </s> is an ordinary token there
  if (has('<|tool_response>') && has('</s>')) attrs[idOf.get('</s>')!] = ATTR_NORMAL;
}

/** ASCII lower case, as std::tolower in the C locale */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The per-model strip flags set after the special-token list is built (by tokenizer.ggml.pre, architecture, name). */
export function fixStripAttrs(
  ctx: { readonly idOf: ReadonlyMap<string, number>; readonly attrs: Uint16Array; readonly specialIds: readonly number[] },
  pre: string, arch: string, name: string,
): void {
  const { idOf, attrs } = ctx;
  const set = (text: string, attr: number, on: boolean) => {
    const id = idOf.get(text);
    // llama.cpp looks these up with unordered_map::at and fails to load the model when one is missing
    if (id === undefined) throw new QuantsmithError(`the vocabulary of this Phi-3 model has no '${text}' token, which llama.cpp requires`);
    attrs[id] = on ? attrs[id]! | attr : attrs[id]! & ~attr;
  };
  const lname = asciiLower(name);
  if (['jina-v2-de', 'jina-v2-es', 'jina-v2-code'].some((s) => pre.includes(s)) || ['nomic-bert-moe', 'jina-bert-v3'].some((s) => arch.includes(s))) {
    const id = idOf.get('<mask>');
    if (id !== undefined) attrs[id]! |= ATTR_LSTRIP;
  } else if (lname.includes('phi-3') || lname.includes('phi3')) {
    for (const id of ctx.specialIds) attrs[id]! |= ATTR_RSTRIP;
    set('</s>', ATTR_RSTRIP, true);
    for (const t of ['<unk>', '<s>', '<|endoftext|>']) set(t, ATTR_RSTRIP, false);
  } else if (lname.includes('modern-bert')) {
    const id = idOf.get('[MASK]');
    if (id !== undefined) attrs[id]! |= ATTR_LSTRIP;
  }
}
