import type { Endpoint } from "./endpoints.js";
import { parseValue, topLevelMembers } from "./json-scan.js";

/** What the runtime needs to know about a request before it goes upstream. */
export interface RequestShape {
  model: string;
  stream: boolean;
  /** The request's own output limit per choice, or undefined when it sets none (the model's maximum applies). */
  outputLimit: number | undefined;
  /** How many answers the upstream generates and bills (`n` on chat completions; 1 elsewhere). */
  choices: number;
  /** Output tokens billed beyond the limit: chat completions' rejected `prediction` tokens, bounded by its bytes. */
  extraOutputTokens: number;
  /** The body to send upstream (rewritten only to ask an OpenAI stream for its usage). */
  body: Buffer;
}

export class BadRequestError extends Error {}

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** A limit the estimate can use: undefined when absent or null; NO_LIMIT when present but not a whole number ≥ 1. */
const NO_LIMIT = Number.POSITIVE_INFINITY;

function limitOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // A provider with a lax parser may read "100000" or 1e5 where we would not: reserve as if no limit were set.
  return positiveInt(value) ?? NO_LIMIT;
}

/**
 * The request's output limit from the ones it sets (the larger: whichever the upstream honours stays within the
 * estimate); undefined when it sets none, or one the estimate cannot trust (then the model's maximum applies).
 */
function outputLimitOf(...limits: unknown[]): number | undefined {
  let largest: number | undefined;
  for (const value of limits) {
    const limit = limitOf(value);
    if (limit !== undefined) largest = Math.max(largest ?? 0, limit);
  }
  return largest === NO_LIMIT ? undefined : largest;
}

/** The members of a request the runtime reads; the rest (messages, tools, ...) it passes on unparsed. */
const READ = ["model", "stream", "n", "prediction", "stream_options", "max_completion_tokens", "max_tokens", "max_output_tokens"] as const;

/**
 * Reads model, stream flag and output limits from a JSON request body; throws BadRequestError when it is not usable.
 * Only the members in READ are parsed: a prompt of tens of kilobytes is scanned past, not built into objects. Its
 * bytes still all count in the estimate, and what is not valid JSON inside it the provider refuses (and does not bill).
 */
export function readRequestShape(endpoint: Endpoint, raw: Buffer): RequestShape {
  return tooDeep(() => {
    const text = raw.toString("utf8");
    const members = topLevelMembers(text, READ, refuseRepeat);
    return shapeOf(endpoint, raw, text, members ? parseMembers(members) : parseObject(text));
  });
}

/** The same shape from the whole parsed body: what the scan must agree with (the tests hold it to that). */
export function readRequestShapeByFullParse(endpoint: Endpoint, raw: Buffer): RequestShape {
  return tooDeep(() => {
    const text = raw.toString("utf8");
    return shapeOf(endpoint, raw, text, parseObject(text));
  });
}

/** JSON nested deeper than the engine's stack (parse or stringify) is the agent's error, not the runtime's. */
function tooDeep<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof RangeError) throw new BadRequestError("the request body is nested too deeply to read");
    throw err;
  }
}

/** Parsers disagree on a repeated member (first or last, any letter case), so the estimate could miss the one billed. */
function refuseRepeat(key: string): never {
  throw new BadRequestError(`the request sets "${key}" more than once or in another letter case; send it once, as "${key}"`);
}

function parseMembers(members: (string | undefined)[]): Record<string, unknown> {
  const value = (k: number): unknown => {
    const text = members[k];
    if (text === undefined) return undefined;
    try {
      return parseValue(text);
    } catch {
      throw new BadRequestError(`the request's "${READ[k]}" is not valid JSON`);
    }
  };
  return { model: value(0), stream: value(1), n: value(2), prediction: value(3), stream_options: value(4), max_completion_tokens: value(5), max_tokens: value(6), max_output_tokens: value(7) };
}

function parseObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError("the request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new BadRequestError("the request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function shapeOf(endpoint: Endpoint, raw: Buffer, text: string, req: Record<string, unknown>): RequestShape {
  if (typeof req.model !== "string" || req.model.length === 0 || req.model.length > 200) {
    throw new BadRequestError('the request needs a "model" string');
  }
  const model = req.model;
  const stream = req.stream === true;
  // Each case builds its shape in one literal: the call path creates one object per request, of one shape.
  switch (endpoint) {
    case "chat.completions": {
      // `n` multiplies the output the upstream bills, with or without a limit: it must be a count the estimate can use.
      const choices = req.n === undefined || req.n === null ? 1 : positiveInt(req.n);
      if (choices === undefined) throw new BadRequestError('"n" must be a whole number of choices, 1 or more');
      // Rejected predicted-output tokens are billed as output; each is at least one byte of the prediction.
      const extraOutputTokens = req.prediction === undefined || req.prediction === null ? 0 : Buffer.byteLength(JSON.stringify(req.prediction)) * choices;
      let body = raw;
      const options = req.stream_options;
      const usageRequested = typeof options === "object" && options !== null && (options as Record<string, unknown>).include_usage === true;
      if (stream && !usageRequested) {
        // Without this, an OpenAI stream carries no usage and the call could not be priced exactly.
        const whole = parseObject(text);
        whole.stream_options = { ...(typeof options === "object" && options !== null ? options : {}), include_usage: true };
        body = Buffer.from(JSON.stringify(whole));
      }
      const outputLimit = outputLimitOf(req.max_completion_tokens, req.max_tokens);
      return { model, stream, outputLimit, choices, extraOutputTokens, body };
    }
    case "responses":
      return { model, stream, outputLimit: outputLimitOf(req.max_output_tokens), choices: 1, extraOutputTokens: 0, body: raw };
    case "embeddings":
      return { model, stream: false, outputLimit: 0, choices: 1, extraOutputTokens: 0, body: raw };
    case "messages":
      return { model, stream, outputLimit: outputLimitOf(req.max_tokens), choices: 1, extraOutputTokens: 0, body: raw };
  }
}
