// Token attributes as llama.cpp keeps them (llama_token_attr in llama.h), from the GGUF's token types
// (tokenizer.ggml.token_type, llama_token_type).

export const ATTR_UNDEFINED = 0;
export const ATTR_UNKNOWN = 1 << 0;
export const ATTR_UNUSED = 1 << 1;
export const ATTR_NORMAL = 1 << 2;
export const ATTR_CONTROL = 1 << 3;
export const ATTR_USER_DEFINED = 1 << 4;
export const ATTR_BYTE = 1 << 5;
export const ATTR_LSTRIP = 1 << 7;
export const ATTR_RSTRIP = 1 << 8;

/** llama_token_type → attribute; types outside the enum count as undefined, as llama.cpp reads them. */
export function attrOfTokenType(type: number): number {
  switch (type) {
    case 1: return ATTR_NORMAL;
    case 2: return ATTR_UNKNOWN;
    case 3: return ATTR_CONTROL;
    case 4: return ATTR_USER_DEFINED;
    case 5: return ATTR_UNUSED;
    case 6: return ATTR_BYTE;
    default: return ATTR_UNDEFINED;
  }
}

/** Tokens that the special-token pass cuts out of the text before the tokenizer model sees it. */
export const ATTR_SPECIAL_CACHE = ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN;
/** Of those, the ones cut out only when special tokens are parsed. */
export const ATTR_PARSE_SPECIAL_ONLY = ATTR_CONTROL | ATTR_UNKNOWN;
