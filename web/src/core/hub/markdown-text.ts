// Text from files (names, metadata) put into the Markdown of a model card, so the Hub shows exactly that
// text: no HTML, link, emphasis or heading made from it, no table row or code block broken by it, and no
// line break or control character (they are written as visible escapes such as \n).
import { escapeUnsafe } from '../message-text.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/**
 * Inline Markdown that renders as `text`, also inside a table cell: HTML's characters as entities, every
 * other ASCII punctuation character backslash-escaped (CommonMark lets any be; `\|` keeps a cell whole).
 */
export function markdownText(text: string): string {
  return escapeUnsafe(text).replace(ASCII_PUNCTUATION, (c) => ENTITIES[c] ?? `\\${c}`);
}

/** A code span showing `text` (outside tables): fenced by more backticks than any run inside it. */
export function markdownCode(text: string): string {
  const shown = escapeUnsafe(text);
  const fence = '`'.repeat(longestRun(shown, '`') + 1);
  const pad = /^[` ]|[` ]$/.test(shown) ? ' ' : ''; // CommonMark strips one space each side
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/** A fenced code block holding `body` verbatim: its fence is longer than any backtick run in it. */
export function markdownCodeBlock(info: string, body: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** A relative link target for a file path: each segment percent-encoded, parentheses and quotes too. */
export function markdownPathTarget(path: string): string {
  return `./${path.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/')}`;
}

function longestRun(text: string, char: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}
