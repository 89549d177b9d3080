// Words for a POSIX shell command line shown to the user (the app's results, the CLI's model card). A word
// with a line break, control or bidi character (a hostile file name) is written in $'…' with visible escapes,
// so a copied command stays one line that reads as what it does; any other word is single-quoted as needed.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** bash's $'…' escapes: \xHH is a byte, so a character past ASCII (U+0085 too) is \uHHHH */
const escape = (c: string) => SHORT[c] ?? (c.charCodeAt(0) < 0x80 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (word.search(UNSAFE) >= 0) return `$'${word.replace(/[\\']/g, '\\$&').replace(UNSAFE, escape)}'`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
