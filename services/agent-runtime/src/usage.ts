import type { TokenUsage } from "@iron/protocol";
import type { Provider } from "./endpoints.js";
import { parseValue, topLevelMember, topLevelMembers } from "./json-scan.js";

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

const USAGE_MEMBERS = [...FIELDS, "prompt_tokens_details", "input_tokens_details", "cache_creation"];

/**
 * The members of a usage object mergeUsage reads, scanned out of its text: counters that are JSON numbers as numbers
 * (any other value counts as absent, as mergeUsage treats it), the nested objects reduced to the one counter each
 * that is read from them. Undefined when the text is not a whole object.
 */
function scanUsage(text: string): Record<string, unknown> | undefined {
  const members = topLevelMembers(text, USAGE_MEMBERS);
  if (!members) return undefined;
  const usage: Record<string, unknown> = {};
  for (let k = 0; k < FIELDS.length; k++) usage[FIELDS[k]!] = counter(members[k]);
  usage.prompt_tokens_details = nested(members[FIELDS.length], "cached_tokens");
  usage.input_tokens_details = nested(members[FIELDS.length + 1], "cached_tokens");
  usage.cache_creation = nested(members[FIELDS.length + 2], "ephemeral_1h_input_tokens");
  return usage;
}

/** A nested member reduced to its one counter: undefined when absent or null (mergeUsage falls back past those). */
function nested(text: string | undefined, key: string): Record<string, unknown> | undefined {
  if (text === undefined || text === "null") return undefined;
  const inner = text.charCodeAt(0) === 0x7b ? topLevelMembers(text, [key]) : undefined;
  return inner ? { [key]: counter(inner[0]) } : {};
}

function counter(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const c = text.charCodeAt(0);
  return c === 0x2d || (c >= 0x30 && c <= 0x39) ? (parseValue(text) as number) : undefined;
}

/**
 * Reads the usage of a whole (non-streamed) answer into `into`: its top-level `usage` member when that is an object
 * (scanned, not parsed), else whatever `mergeUsage` finds in the parsed answer. An answer that is not JSON leaves
 * `into` as it is.
 */
export function mergeAnswerUsage(into: RawUsage, body: string): void {
  try {
    const text = topLevelMember(body, "usage");
    if (text !== undefined && text.charCodeAt(0) === 0x7b) {
      const usage = scanUsage(text);
      if (usage) mergeUsage(into, { usage });
      return;
    }
    mergeUsage(into, JSON.parse(body));
  } catch {
    /* not JSON: the agent gets it as it is; the call is charged its reservation when it claims success */
  }
}
