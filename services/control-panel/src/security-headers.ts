import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/**
 * helmet's response headers for a JSON API (CSP `default-src 'none'`, no framing, nosniff, HSTS, …),
 * computed once. @fastify/helmet rebuilds helmet's middleware on every request (tens of µs each);
 * the headers never vary here, so the hook only copies this object.
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name] = String(value)),
    removeHeader: (name: string) => void delete headers[name],
  };
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: "deny" },
  })(
    {} as IncomingMessage,
    res as unknown as ServerResponse,
    (err?: unknown) => {
      if (err) throw err;
    },
  );
  return headers;
}
