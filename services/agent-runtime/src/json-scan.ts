/**
 * Reading a few top-level members of a JSON object without parsing the rest: the runtime needs a request's model and
 * limits and an answer's usage, while the bulk of both (messages, content) is strings it only passes on. Strings are
 * skipped with indexOf, nested values by bracket depth; the members found are the ones JSON.parse would keep (the
 * last of repeated keys, escaped keys decoded). A text that is not one whole object gives undefined.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index of the quote that closes the string opened at `i`, or -1 when the text breaks off. */
function stringEnd(text: string, i: number): number {
  for (let from = i + 1; ; ) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q + 1;
  }
}

/** The index just past the JSON value that starts at `i`, or -1 when the text breaks off. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) {
    const q = stringEnd(text, i);
    return q < 0 ? -1 : q + 1;
  }
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(text, j);
        if (j < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
    }
    return -1;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) break;
    j++;
  }
  return j === i || j === text.length ? -1 : j;
}

/**
 * The value texts of the top-level members of the JSON object in `text` named in `keys`, by the keys' positions
 * (undefined where absent), or undefined when `text` is not a whole object (then JSON.parse would fail or give no
 * object). Only the object's structure is checked: a member not in `keys` is skipped over, not validated.
 * `onRepeat` is told of a wanted key that comes again, or in another letter case (escaped or not): parsers differ on
 * which one counts (the first, the last, or any case, as Go's does).
 */
export function topLevelMembers(text: string, keys: readonly string[], onRepeat?: (key: string) => void): (string | undefined)[] | undefined {
  // map, not `new Array(n).fill()`: fill is a C++ builtin, and entering it cost ~2 µs per call (cache-cold) in the profile.
  const found = keys.map((): string | undefined => undefined);
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return skipSpace(text, i + 1) === text.length ? found : undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const which = keyIndex(text, i + 1, keyEnd, keys);
    if (which === NOT_A_KEY) return undefined;
    if (onRepeat) {
      const again = which >= 0 ? (found[which] !== undefined ? which : -1) : caseVariant(text, i + 1, keyEnd, keys);
      if (again >= 0) onRepeat(keys[again]!);
    }
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    if (which >= 0) found[which] = text.slice(start, end);
    i = skipSpace(text, end);
    const next = text.charCodeAt(i);
    if (next === 0x7d) return skipSpace(text, i + 1) === text.length ? found : undefined;
    if (next !== 0x2c) return undefined;
    i = skipSpace(text, i + 1);
  }
}

/** keyIndex's answer for a key that is not a valid JSON string (a bad escape, a raw control character). */
const NOT_A_KEY = -2;

/**
 * Which of `keys` the key between `from` and `to` (its quotes excluded) is, -1 for none, or NOT_A_KEY; compared in
 * place, decoded only when escaped.
 */
function keyIndex(text: string, from: number, to: number, keys: readonly string[]): number {
  const length = to - from;
  for (let k = 0; k < keys.length; k++) {
    if (keys[k]!.length === length && text.startsWith(keys[k]!, from)) return k;
  }
  for (let j = from; j < to; j++) {
    if (text.charCodeAt(j) !== BACKSLASH) continue;
    try {
      return keys.indexOf(JSON.parse(text.slice(from - 1, to + 1)) as string);
    } catch {
      return NOT_A_KEY;
    }
  }
  return -1;
}

/** Which of `keys` the key between `from` and `to` is in another letter case, or -1 (the keys are lower-case). */
function caseVariant(text: string, from: number, to: number, keys: readonly string[]): number {
  const length = to - from;
  let lower: string | undefined;
  for (let k = 0; k < keys.length; k++) {
    if (keys[k]!.length !== length) continue;
    lower ??= text.slice(from, to).toLowerCase();
    if (lower === keys[k]) return k;
  }
  for (let j = from; j < to; j++) {
    if (text.charCodeAt(j) === BACKSLASH) return keys.indexOf((JSON.parse(text.slice(from - 1, to + 1)) as string).toLowerCase());
  }
  return -1;
}

/** The text of the top-level member `key` of the JSON object in `text`, or undefined (none, or not a whole object). */
export function topLevelMember(text: string, key: string): string | undefined {
  return topLevelMembers(text, [key])?.[0];
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A member's value as JSON.parse gives it, reading short plain strings and numbers directly; throws SyntaxError as JSON.parse does. */
export function parseValue(text: string): unknown {
  const c = text.charCodeAt(0);
  if (c === QUOTE && text.length <= 256 && isPlainString(text)) return text.slice(1, -1);
  if ((c === 0x2d || (c >= 0x30 && c <= 0x39)) && JSON_NUMBER.test(text)) return Number(text);
  return JSON.parse(text);
}

/** A string literal (as valueEnd found it) with no escapes and no control characters: its text between the quotes is its value. */
function isPlainString(text: string): boolean {
  for (let j = 1; j < text.length - 1; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH || c < 0x20) return false;
  }
  return true;
}
