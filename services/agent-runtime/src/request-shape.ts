import type { Endpoint } from "./endpoints.js";

/** What the runtime needs to know about a request before it goes upstream. */
export interface RequestShape {
  model: string;
  stream: boolean;
  /** The most output tokens the request allows (its own limit × choices), or undefined when it sets none. */
  maxOutputTokens: number | undefined;
  /** The body to send upstream (rewritten only to ask an OpenAI stream for its usage). */
  body: Buffer;
}

export class BadRequestError extends Error {}

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Reads model, stream flag and output limit from a JSON request body; throws BadRequestError when it is not usable. */
export function readRequestShape(endpoint: Endpoint, raw: Buffer): RequestShape {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new BadRequestError("the request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new BadRequestError("the request body must be a JSON object");
  const req = parsed as Record<string, unknown>;
  if (typeof req.model !== "string" || req.model.length === 0 || req.model.length > 200) {
    throw new BadRequestError('the request needs a "model" string');
  }
  const stream = req.stream === true;
  switch (endpoint) {
    case "chat.completions": {
      const limit = positiveInt(req.max_completion_tokens) ?? positiveInt(req.max_tokens);
      const choices = positiveInt(req.n) ?? 1;
      let body = raw;
      const options = req.stream_options;
      const usageRequested = typeof options === "object" && options !== null && (options as Record<string, unknown>).include_usage === true;
      if (stream && !usageRequested) {
        // Without this, an OpenAI stream carries no usage and the call could not be priced exactly.
        req.stream_options = { ...(typeof options === "object" && options !== null ? options : {}), include_usage: true };
        body = Buffer.from(JSON.stringify(req));
      }
      return { model: req.model, stream, maxOutputTokens: limit === undefined ? undefined : limit * choices, body };
    }
    case "responses":
      return { model: req.model, stream, maxOutputTokens: positiveInt(req.max_output_tokens), body: raw };
    case "embeddings":
      return { model: req.model, stream: false, maxOutputTokens: 0, body: raw };
    case "messages":
      return { model: req.model, stream, maxOutputTokens: positiveInt(req.max_tokens), body: raw };
  }
}
