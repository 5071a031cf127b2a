import { readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors.js";

/** The dashboard's static files (services/control-panel/dashboard/), read once: beside src/ and dist/ alike. */
const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "dashboard");
const FILES = ["index.html", "app.css", "app.js", "api.js", "chart.js", "format.js", "feed.js", "tokens.js", "usage.js"];
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

/**
 * The API's CSP is `default-src 'none'`; the dashboard's pages may load their own scripts, styles and
 * API answers, and nothing else (no inline script, no other origin).
 */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** `GET /` (the dashboard page) and `GET /dashboard/<file>` (its scripts and styles). */
export function registerDashboardRoutes(app: FastifyInstance): void {
  let files: Map<string, Buffer>;
  try {
    files = new Map(FILES.map((name) => [name, readFileSync(join(DIR, name))]));
  } catch (err) {
    // A build that left the files out still serves the API; the page says what is missing.
    app.log.warn({ err: { message: (err as Error).message } }, "dashboard files not found; GET / answers 503");
    app.get("/", async () => {
      throw new HttpError(503, "unavailable", `the dashboard's files are missing from ${DIR}`);
    });
    return;
  }
  const send = (name: string) => ({
    body: files.get(name)!,
    headers: { "content-type": TYPES[extname(name)]!, "content-security-policy": DASHBOARD_CSP, "cache-control": "no-cache" },
  });
  app.get("/", async (_req, reply) => {
    const { body, headers } = send("index.html");
    return reply.headers(headers).send(body);
  });
  app.get<{ Params: { file: string } }>("/dashboard/:file", async (req, reply) => {
    if (!files.has(req.params.file)) throw new HttpError(404, "not_found", `no dashboard file ${req.params.file}`);
    const { body, headers } = send(req.params.file);
    return reply.headers(headers).send(body);
  });
}
