// --tensor-type patterns are C++ std::regex (ECMAScript grammar) in llama.cpp and JS RegExp here. The two
// agree on ordinary patterns; where they would not (std::regex refuses or reads differently what JS
// accepts), the pattern is refused with a message saying which construct, rather than matched differently.
import { QuantsmithError } from '../errors.ts';

function refuse(pattern: string, why: string): never {
  throw new QuantsmithError(`invalid tensor type pattern '${pattern}': ${why}`);
}

/** Constructs std::regex handles differently, found outside escapes (and, for braces, outside classes). */
function checkPortable(pattern: string): void {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'p' || next === 'P') refuse(pattern, 'Unicode property escapes (\\p) are not supported');
      if (!inClass && next >= '1' && next <= '9') refuse(pattern, 'back-references are not supported');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[' && /^[:.=]$/.test(pattern[i + 1] ?? '')) refuse(pattern, 'POSIX bracket expressions ([:alpha:] …) are not supported');
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(' && pattern.startsWith('(?<', i)) {
      refuse(pattern, 'lookbehind and named groups are not supported');
    } else if (c === '{' && !/^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      refuse(pattern, "a '{' that does not start a {n}, {n,} or {n,m} repetition");
    }
  }
}

/** The RegExp llama.cpp's std::regex_search would behave like, for a --tensor-type pattern. */
export function compileTensorTypePattern(pattern: string): RegExp {
  checkPortable(pattern);
  try {
    return new RegExp(pattern);
  } catch {
    return refuse(pattern, 'not a valid regular expression');
  }
}
