// The special-token pass of llama_tokenize (tokenizer_st_partition): each special token, longest first, is cut
// out of the text still unprocessed, leaving a list of raw-text pieces and token ids. User-defined tokens are cut
// out always, control and unknown tokens only when special tokens are parsed; LSTRIP/RSTRIP tokens swallow the
// whitespace before/after them.
import { HashedSet } from './hashed-set.ts';
import { ATTR_LSTRIP, ATTR_PARSE_SPECIAL_ONLY, ATTR_RSTRIP } from './token-attrs.ts';
import type { Vocab } from './vocab.ts';

/** A piece of the text [start, end) still to be tokenized, or a token already decided. */
export type Fragment = { readonly start: number; readonly end: number } | { readonly token: number };

/** isspace() in the C locale, which the strip flags test byte by byte */
function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * A quick "cannot occur" test for long texts and many special tokens (Gemma's thousands of <unusedN>): a token
 * can only occur if each of its three-unit windows occurs in the text. Saves one full scan per absent token.
 */
function absenceFilter(text: string): (special: string) => boolean {
  const windows = new HashedSet(22);
  for (let i = 0; i + 3 <= text.length; i++) windows.add(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2));
  return (special) => {
    for (let i = 0; i + 3 <= special.length; i++) {
      if (!windows.mayHave(special.charCodeAt(i), special.charCodeAt(i + 1), special.charCodeAt(i + 2))) return true;
    }
    return false;
  };
}

export function partitionSpecial(text: string, vocab: Vocab, parseSpecial: boolean): Fragment[] {
  let fragments: Fragment[] = text.length > 0 ? [{ start: 0, end: text.length }] : [];
  const ids = vocab.specialIds.filter((id) => parseSpecial || !(vocab.attrs[id]! & ATTR_PARSE_SPECIAL_ONLY));
  const absent = text.length >= 4096 && ids.length >= 64 ? absenceFilter(text) : undefined;
  for (const id of ids) {
    const attr = vocab.attrs[id]!;
    const special = vocab.texts[id]!;
    const len = special.length;
    if (absent?.(special)) continue;
    // one forward scan over the text per special token, however many pieces it is already cut into
    let match = text.indexOf(special);
    if (match < 0) continue;
    const out: Fragment[] = [];
    for (const frag of fragments) {
      if (!('start' in frag) || match < 0) {
        out.push(frag);
        continue;
      }
      let { start } = frag;
      const { end } = frag;
      if (match < start) match = text.indexOf(special, start);
      if (match < 0 || match + len > end) {
        out.push(frag);
        continue;
      }
      while (match >= 0 && match + len <= end) {
        let leftEnd = match;
        if (attr & ATTR_LSTRIP) while (leftEnd > start && isCSpace(text.charCodeAt(leftEnd - 1))) leftEnd--;
        if (leftEnd > start) out.push({ start, end: leftEnd });
        out.push({ token: id });
        start = match + len;
        if (attr & ATTR_RSTRIP) while (start < end && isCSpace(text.charCodeAt(start))) start++;
        match = text.indexOf(special, start);
      }
      if (start < end) out.push({ start, end });
    }
    fragments = out;
  }
  return fragments;
}
