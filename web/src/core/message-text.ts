// Text from a file, made safe to put in a one-line message: a short excerpt with control characters,
// line breaks and bidirectional overrides escaped (so a hostile name can neither break the line nor
// reorder what is shown), long text cut with an ellipsis and its length as the file declares it.

/** characters of file text a message quotes at most */
export const EXCERPT_CHARS = 48;
/** characters a whole message is cut to */
export const MESSAGE_CHARS = 300;

// C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates, BOM, lone surrogates
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const short = SHORT_ESCAPES[c];
  if (short) return short;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every unsafe character written as a visible escape (\n, \x1b, \u202e). */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** At most `max` code points of `text`, with '…' when cut (never splitting a surrogate pair). */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * File text quoted for a message: 'name', escaped and cut to a short excerpt. When the text is cut, or
 * the file declares a byte length other than what is shown, that length follows: 'aaaa…' (8611781 bytes).
 */
export function quoted(text: string, declaredBytes?: number, max = EXCERPT_CHARS): string {
  const escaped = escapeUnsafe(text.length > max * 2 ? text.slice(0, max * 2) : text);
  const shown = cut(escaped, max);
  const wasCut = shown !== escaped || text.length > max * 2;
  const body = `'${wasCut && !shown.endsWith('…') ? `${shown}…` : shown}'`;
  if (declaredBytes !== undefined && (wasCut || declaredBytes !== utf8Length(text))) return `${body} (${declaredBytes} bytes)`;
  return wasCut ? `${body} (${utf8Length(text)} bytes)` : body;
}

/** A JSON value from a file for a message: its JSON text, escaped and cut like quoted(), without quotes. */
export function quotedJson(value: unknown, max = EXCERPT_CHARS): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(escapeUnsafe(text), max);
}

/** A message as one line of at most MESSAGE_CHARS characters: unsafe characters escaped, the rest cut. */
export function oneLine(message: string, max = MESSAGE_CHARS): string {
  return cut(escapeUnsafe(message.length > max * 4 ? message.slice(0, max * 4) : message), max);
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
