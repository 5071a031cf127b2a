/** The runtime's own error answers, in the Control Panel's shape: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export function errorBody(answer: ErrorAnswer): Buffer {
  const error: Record<string, unknown> = { code: answer.code, message: answer.message };
  if (answer.details) error.details = answer.details;
  return Buffer.from(JSON.stringify({ error }));
}

const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
  "host", "content-length", "accept-encoding",
  // Node's server has already answered an agent's `Expect: 100-continue`; undici refuses to send the header on.
  "expect",
]);

/** Headers worth forwarding in either direction: no hop-by-hop headers, no length (re-computed), no compression (we read the bodies). */
export function forwardableHeaders(headers: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    out[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** `forwardableHeaders` for a headers object whose names are already lower-case (Node's and undici's), without copying it into entries first. */
export function forwardableHeaderObject(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    out[key] = typeof value === "string" ? value : value.join(", ");
  }
  return out;
}
