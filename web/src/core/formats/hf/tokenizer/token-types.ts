// GGUF token types (gguf.TokenType) and the converter's guess that an added token is a control token.

export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** TextModel.does_token_look_special: some models mark control tokens as not special. */
export function looksSpecial(token: string): boolean {
  return ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(token)
    || (token.startsWith('<|') && token.endsWith('|>'))
    || (token.startsWith('<\uff5c') && token.endsWith('\uff5c>'))
    || (token.startsWith('<unused') && token.endsWith('>'));
}
