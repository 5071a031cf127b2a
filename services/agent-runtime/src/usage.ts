import type { TokenUsage } from "@iron/protocol";
import type { Provider } from "./endpoints.js";

/** The provider's usage counters as seen so far (a stream reports them across several events). */
export type RawUsage = Record<string, number>;

const FIELDS = [
  "prompt_tokens", "completion_tokens", "input_tokens", "output_tokens",
  "cache_creation_input_tokens", "cache_read_input_tokens",
] as const;

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/** Finds a usage object in a response body or stream event and merges its counters into `into`. Returns true when one was found. */
export function mergeUsage(into: RawUsage, message: unknown): boolean {
  if (typeof message !== "object" || message === null) return false;
  const m = message as Record<string, unknown>;
  const nested = (key: string): unknown => (typeof m[key] === "object" && m[key] !== null ? (m[key] as Record<string, unknown>).usage : undefined);
  const usage = m.usage ?? nested("response") ?? nested("message");
  if (typeof usage !== "object" || usage === null) return false;
  const u = usage as Record<string, unknown>;
  for (const field of FIELDS) {
    const v = numberOr(u[field]);
    if (v !== undefined) into[field] = v;
  }
  const details = (u.prompt_tokens_details ?? u.input_tokens_details) as Record<string, unknown> | undefined;
  const cached = numberOr(details?.cached_tokens);
  if (cached !== undefined) into.cached_tokens = cached;
  const oneHour = numberOr((u.cache_creation as Record<string, unknown> | undefined)?.ephemeral_1h_input_tokens);
  if (oneHour !== undefined) into.cache_write_1h_input_tokens = oneHour;
  return true;
}

/** Normalises provider counters: `input_tokens` always counts the whole prompt, cached and cache-write tokens included. */
export function normalizeUsage(provider: Provider, raw: RawUsage): TokenUsage | undefined {
  if (provider === "anthropic") {
    if (raw.input_tokens === undefined && raw.output_tokens === undefined) return undefined;
    const read = raw.cache_read_input_tokens ?? 0;
    const write = raw.cache_creation_input_tokens ?? 0;
    return {
      input_tokens: (raw.input_tokens ?? 0) + read + write,
      cached_input_tokens: read,
      cache_write_input_tokens: write,
      cache_write_1h_input_tokens: raw.cache_write_1h_input_tokens ?? 0,
      output_tokens: raw.output_tokens ?? 0,
    };
  }
  const input = raw.prompt_tokens ?? raw.input_tokens;
  if (input === undefined) return undefined;
  return {
    input_tokens: input,
    cached_input_tokens: raw.cached_tokens ?? 0,
    cache_write_input_tokens: 0,
    output_tokens: raw.completion_tokens ?? raw.output_tokens ?? 0,
  };
}

/** A `usage` member whose value is an object: OpenAI streams send `"usage":null` in every chunk but the last. */
const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/**
 * Watches an SSE stream as it passes through and collects the usage its events
 * carry. Only `data:` lines with a usage object in them are parsed.
 */
export class SseUsageScanner {
  readonly raw: RawUsage = {};
  private readonly decoder = new TextDecoder();
  private partial = "";

  feed(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
  }

  end(): void {
    this.line(this.partial + this.decoder.decode());
    this.partial = "";
  }

  private line(line: string): void {
    if (!line.startsWith("data:") || !USAGE_OBJECT.test(line)) return;
    try {
      mergeUsage(this.raw, JSON.parse(line.slice(5)));
    } catch {
      /* not JSON: not ours to judge, the client gets it as it is */
    }
  }
}

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
 * The text of the top-level member `key` of the JSON object in `text` (the last one, as JSON.parse keeps), or undefined
 * when there is none or `text` is not a whole object. It reads an LLM answer for its usage without building the rest:
 * strings, the bulk of an answer, are skipped with indexOf.
 */
export function topLevelMember(text: string, key: string): string | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  let found: string | undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) return undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const raw = text.slice(i + 1, keyEnd);
    const name = raw.includes("\\") ? (JSON.parse(text.slice(i, keyEnd + 1)) as string) : raw;
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    if (name === key) found = text.slice(start, end);
    i = skipSpace(text, end);
    const next = text.charCodeAt(i);
    if (next === 0x7d) return skipSpace(text, i + 1) === text.length ? found : undefined;
    if (next !== 0x2c) return undefined;
    i = skipSpace(text, i + 1);
  }
}

/**
 * Reads the usage of a whole (non-streamed) answer into `into`: its top-level `usage` member when it has one, else
 * whatever `mergeUsage` finds in the parsed answer. An answer that is not JSON leaves `into` as it is.
 */
export function mergeAnswerUsage(into: RawUsage, body: string): void {
  try {
    const usage = topLevelMember(body, "usage");
    if (usage !== undefined && mergeUsage(into, { usage: JSON.parse(usage) })) return;
    mergeUsage(into, JSON.parse(body));
  } catch {
    /* not JSON: the agent gets it as it is; the call is charged its reservation when it claims success */
  }
}
