// A shown command line is laid out word by word, so a narrow screen wraps it between words and never
// inside a flag or a file name. This splits the POSIX-quoted text back into its words ('…' kept whole).
const WORD = /(?:'[^']*'|\\.|[^\s'\\])+/g;

/** The lines of a command text, each as its words (quotes kept, so joining them gives the text back). */
export function commandWords(text: string): string[][] {
  return text.split('\n').map((line) => line.match(WORD) ?? []);
}
