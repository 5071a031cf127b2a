import { Agent, request } from "undici";
import { JWKS_PATH, TelemetryIngestResponse, TokenSelf } from "@iron/protocol";
import type { JSONWebKeySet } from "jose";
import { isJwks } from "./token.js";

/** A panel answer that is not a success: `status` 0 means the panel could not be reached or timed out. */
export class PanelError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
  /** The panel refuses the token itself (revoked, expired, unknown): retrying cannot help. */
  get tokenRefused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * Talks to the Control Panel with the agent token. Its own connection pool and
 * a timeout on every request keep a slow or dead panel away from LLM calls.
 */
export class PanelClient {
  private readonly dispatcher: Agent;

  constructor(private readonly baseUrl: string, private readonly token: string, private readonly timeoutMs: number) {
    // The per-request signal is the deadline; the pool's own timeouts are only a backstop behind it.
    const backstop = timeoutMs + 1000;
    this.dispatcher = new Agent({ connectTimeout: backstop, headersTimeout: backstop, bodyTimeout: backstop, keepAliveTimeout: 10_000 });
  }

  async jwks(): Promise<JSONWebKeySet> {
    const body = await this.call("GET", JWKS_PATH, undefined, false);
    if (!isJwks(body)) throw new PanelError("the panel's JWKS is not a key set", 200);
    return body;
  }

  async tokenSelf(): Promise<TokenSelf> {
    return parseOrThrow(TokenSelf, await this.call("GET", "/api/tokens/self"), "/api/tokens/self");
  }

  async sendTelemetry(body: string): Promise<TelemetryIngestResponse> {
    return parseOrThrow(TelemetryIngestResponse, await this.call("POST", "/api/telemetry", body), "/api/telemetry");
  }

  /** Drops open connections, failing any request still waiting on the panel. */
  close(): Promise<void> {
    return this.dispatcher.destroy();
  }

  private async call(method: "GET" | "POST", path: string, body?: string, auth = true): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (auth) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await request(`${this.baseUrl}${path}`, {
        method, headers, body, dispatcher: this.dispatcher, signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new PanelError(`${method} ${path}: ${describe(err)}`, 0);
    }
    const text = await res.body.text().catch(() => "");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return json;
    const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === "string" ? error.code : undefined;
    const message = typeof error?.message === "string" ? error.message : `HTTP ${res.statusCode}`;
    throw new PanelError(`${method} ${path}: ${res.statusCode} ${message}`, res.statusCode, code);
  }
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PanelError(`${what}: unexpected answer from the panel`, 200);
  return parsed.data;
}

const UNDICI_TIMEOUTS = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
  if (err.name === "TimeoutError" || err.name === "AbortError" || (typeof code === "string" && UNDICI_TIMEOUTS.has(code))) return "timed out";
  return typeof code === "string" ? code : err.message;
}
