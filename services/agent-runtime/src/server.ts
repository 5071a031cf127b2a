import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RuntimeConfig, RuntimeOptionsInput } from "./config.js";
import { DAEMON_ROUTES } from "./endpoints.js";
import { errorBody, forwardableHeaderObject, type ErrorAnswer } from "./http-errors.js";
import { Runtime, type RuntimeStatus } from "./runtime.js";
import type { GoneSignal } from "./upstream.js";

export interface RunningRuntime {
  /** e.g. `http://127.0.0.1:8787`; point OpenAI clients at `<url>/openai/v1`, Anthropic clients at `<url>/anthropic`. */
  url: string;
  port: number;
  runtime: Runtime;
  status(): RuntimeStatus;
  /** Stops accepting calls, lets calls in flight finish (up to `graceMs`), flushes telemetry once and closes the state. */
  close(graceMs?: number): Promise<void>;
}

const ANTHROPIC_VERSION = "2023-06-01";

/** Tells the call when the agent hangs up before its answer is written. */
class AgentGone implements GoneSignal {
  aborted = false;
  private listener: (() => void) | undefined;

  onAbort(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  fire(): void {
    this.aborted = true;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }
}

/** Starts the LLM proxy daemon in this process (the `iron-runtime serve` command, and the pilot's in-process runtime). */
export async function startRuntime(options: RuntimeOptionsInput): Promise<RunningRuntime> {
  const runtime = await Runtime.open(options);
  const { config } = runtime;
  const upstreams = upstreamUrls(config);
  const server = createServer((req, res) => {
    handle(runtime, upstreams, req, res).catch((err: unknown) => {
      runtime.log.error({ err: (err as Error).message }, "request failed");
      if (!res.headersSent) send(res, { status: 500, code: "internal", message: "the runtime failed on this request; see its log" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  runtime.log.info({ url }, `listening on ${url} (OpenAI base ${url}/openai/v1, Anthropic base ${url}/anthropic)`);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    runtime,
    status: () => runtime.status(),
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const stopped = new Promise((resolve) => server.close(resolve));
        server.closeIdleConnections();
        const deadline = Date.now() + graceMs;
        while (runtime.status().calls_in_flight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        server.closeAllConnections();
        await stopped;
        await runtime.close();
      })();
      return closing;
    },
  };
}

/** The upstream URL of each daemon path, parsed once at start (the base URLs may carry a path, e.g. `/v1`). */
function upstreamUrls(config: RuntimeConfig): Record<string, { origin: string; pathname: string }> {
  return Object.fromEntries(
    Object.entries(DAEMON_ROUTES).map(([path, route]) => {
      const base = route.provider === "openai" ? config.openaiBaseUrl : config.anthropicBaseUrl;
      const { origin, pathname } = new URL(`${base}${route.upstreamPath}`);
      return [path, { origin, pathname }];
    }),
  );
}

async function handle(runtime: Runtime, upstreams: Record<string, { origin: string; pathname: string }>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? "/";
  const queryAt = target.indexOf("?");
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = queryAt < 0 ? "" : target.slice(queryAt); // forwarded as is (e.g. Azure's api-version)
  if (req.method === "GET" && path === "/healthz") return sendJson(res, 200, { ok: true });
  if (req.method === "GET" && path === "/status") return sendJson(res, 200, runtime.status());
  if (req.method === "GET" && path === "/metrics") return sendMetrics(runtime, res);
  const route = DAEMON_ROUTES[path];
  if (!route) {
    return send(res, { status: 404, code: "not_found", message: `no such endpoint: ${req.method} ${path}; the runtime serves POST ${Object.keys(DAEMON_ROUTES).join(", ")}, GET /healthz, GET /status and GET /metrics` });
  }
  if (req.method !== "POST") return send(res, { status: 405, code: "method_not_allowed", message: `${path} takes POST` });

  const body = await readBody(req, runtime.config.maxBodyBytes);
  if (!body) return send(res, { status: 413, code: "payload_too_large", message: `the request body is larger than ${runtime.config.maxBodyBytes} bytes` }, true);

  const { config } = runtime;
  const headers = forwardableHeaderObject(req.headers);
  if (route.provider === "openai" && config.openaiApiKey) {
    delete headers["x-api-key"];
    headers.authorization = `Bearer ${config.openaiApiKey}`;
  }
  if (route.provider === "anthropic") {
    if (config.anthropicApiKey) {
      delete headers.authorization;
      headers["x-api-key"] = config.anthropicApiKey;
    }
    headers["anthropic-version"] ??= ANTHROPIC_VERSION;
  }
  const gone = new AgentGone();
  // `on`, not `once`: the response lives for one call, and once's wrapper and removal cost more than the listener.
  res.on("close", () => {
    if (!res.writableFinished) gone.fire();
  });
  const upstream = upstreams[path]!;
  const result = await runtime.handle({ route, origin: upstream.origin, path: `${upstream.pathname}${query}`, headers, body, signal: gone });
  res.writeHead(result.status, result.headers);
  if (Buffer.isBuffer(result.body)) {
    res.end(result.body);
    return;
  }
  res.flushHeaders();
  await relayTo(res, result.body[Symbol.asyncIterator]());
}

/**
 * Writes a stream to the agent chunk by chunk, waiting whenever its socket is full. Ending the iterator early (the
 * agent went away) runs the relay's settlement; an upstream that breaks off mid-stream cuts the agent's connection.
 */
async function relayTo(res: ServerResponse, chunks: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      if (res.destroyed) break;
      if (!res.write(next.value)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch {
    res.destroy();
  } finally {
    await chunks.return?.();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function send(res: ServerResponse, error: ErrorAnswer, close = false): void {
  const body = errorBody(error);
  res.writeHead(error.status, { "content-type": "application/json", "content-length": body.length, ...(close ? { connection: "close" } : {}) });
  res.end(body);
}

async function sendMetrics(runtime: Runtime, res: ServerResponse): Promise<void> {
  if (!runtime.metrics) return send(res, { status: 404, code: "not_found", message: "metrics are turned off (--no-metrics / IRON_METRICS=off)" });
  const { contentType, body } = await runtime.metrics.text();
  res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
}
