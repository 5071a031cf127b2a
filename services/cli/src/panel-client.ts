import type { z } from "zod";
import { ErrorBody } from "@iron/protocol";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfterMs, retryWaitMs, type RetryPolicy } from "./retry.js";
import type { ResolvedApiUrl } from "./api-url.js";

const ATTEMPT_TIMEOUT_MS = 15_000;

export interface RequestOptions<S extends z.ZodType> {
  /** Validates the JSON of a successful answer. */
  schema: S;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** A bearer credential; omitted for the public endpoints (health, version). */
  bearer?: string;
  /** Statuses besides 2xx whose body is a normal answer (e.g. 503 from /readyz); they are not retried. */
  okStatuses?: number[];
  /** Extra request headers, the same on every attempt (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

export interface RetryNotice {
  url: string;
  attempt: number;
  attempts: number;
  waitMs: number;
  reason: string;
}

export interface PanelClientOptions {
  api: ResolvedApiUrl;
  retry?: RetryPolicy;
  /** Told before each wait between attempts. */
  onRetry?: (notice: RetryNotice) => void;
}

/** What went wrong with one attempt, and whether another may succeed. */
type AttemptFailure = { kind: "network"; cause: string } | { kind: "status"; response: Response; text: string };

function networkCause(err: unknown): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (typeof code === "string") return code;
  if (typeof cause?.message === "string" && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function unreachableHint(api: ResolvedApiUrl): string {
  const where = api.source === "default" ? "the default" : `set by ${api.source}`;
  return `start the Control Panel (npm run start -w services/control-panel), or point iron at the right one with --api-url or IRON_API_URL (${api.url} is ${where})`;
}

function describeIssues(details: unknown): string {
  if (!Array.isArray(details)) return "";
  const lines = details
    .map((d: { path?: unknown; message?: unknown }) => (typeof d?.message === "string" ? `${typeof d.path === "string" && d.path ? `${d.path}: ` : ""}${d.message}` : ""))
    .filter(Boolean);
  return lines.length ? ` (${lines.join("; ")})` : "";
}

/** Turns a non-2xx answer into the error the user sees, with the exit code for its kind. */
function statusError(url: string, api: ResolvedApiUrl, response: Response, text: string, attempts: number): CliError {
  let parsed: ErrorBody | undefined;
  try {
    const result = ErrorBody.safeParse(JSON.parse(text));
    parsed = result.success ? result.data : undefined;
  } catch {
    parsed = undefined;
  }
  const status = response.status;
  const said = parsed ? `${parsed.error.message}${describeIssues(parsed.error.details)}` : `HTTP ${status} ${response.statusText}`.trim();
  const code = parsed?.error.code ?? `http_${status}`;
  const where = `the Control Panel at ${url}`;
  if (status === 401) return new CliError(`${where} did not accept the credential: ${said}`, EXIT.auth, "run `iron login` (the API key may be revoked, or belong to another panel), or set IRON_API_KEY", code);
  if (status === 403) return new CliError(`${where} refused: ${said}`, EXIT.auth, "ask an admin for a role that may do this (viewers can only read)", code);
  if (status === 404) return new CliError(`${where} found nothing: ${said}`, EXIT.error, "check the id (`iron token list` shows them)", code);
  if (status === 400 || status === 409 || status === 413 || status === 422) return new CliError(`${where} rejected the request: ${said}`, EXIT.rejected, undefined, code);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  if (status === 502 || status === 503 || status === 504) return new CliError(`${where} is not serving${tries}: ${said}`, EXIT.unreachable, unreachableHint(api), code);
  if (status === 429) return new CliError(`${where} is rate limiting this client${tries}: ${said}`, EXIT.error, "wait a minute and try again", code);
  return new CliError(`${where} failed: ${said}`, EXIT.error, "see the panel's log for the cause", code);
}

/**
 * The Control Panel's HTTP API, with the CLI's retry rules: network errors, 429, 502, 503 and 504 are tried up to
 * `attempts` times with exponential backoff and jitter (Retry-After honoured); every other answer is final.
 */
export class PanelClient {
  readonly api: ResolvedApiUrl;
  private readonly retry: RetryPolicy;
  private readonly onRetry?: (notice: RetryNotice) => void;

  constructor(options: PanelClientOptions) {
    this.api = options.api;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.onRetry = options.onRetry;
  }

  urlFor(path: string, query?: RequestOptions<z.ZodType>["query"]): string {
    const url = new URL(`${this.api.url}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  async request<S extends z.ZodType>(method: string, path: string, options: RequestOptions<S>): Promise<{ status: number; body: z.infer<S> }> {
    const url = this.urlFor(path, options.query);
    const headers: Record<string, string> = { ...options.headers, accept: "application/json", "user-agent": "iron-cli" };
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method, headers, redirect: "manual", body: options.body === undefined ? undefined : JSON.stringify(options.body) };

    let failure: AttemptFailure = { kind: "network", cause: "not tried" };
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      const outcome = await this.attempt(url, init, options.okStatuses ?? []).catch((err: unknown): AttemptFailure => {
        if (err instanceof CliError) throw err;
        return { kind: "network", cause: networkCause(err) };
      });
      if (!("kind" in outcome)) return this.parse(url, outcome, options.schema);
      failure = outcome;
      if (failure.kind === "status" && !isRetryableStatus(failure.response.status)) break;
      if (attempt === this.retry.attempts) break;
      const retryAfter = failure.kind === "status" ? parseRetryAfterMs(failure.response.headers.get("retry-after")) : undefined;
      const waitMs = retryWaitMs(attempt, retryAfter, this.retry);
      const reason = failure.kind === "network" ? failure.cause : `HTTP ${failure.response.status}`;
      this.onRetry?.({ url, attempt, attempts: this.retry.attempts, waitMs, reason });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    if (failure.kind === "status") throw statusError(url, this.api, failure.response, failure.text, this.retry.attempts);
    throw new CliError(`cannot reach the Control Panel at ${url}: ${failure.cause} (${this.retry.attempts} attempts)`, EXIT.unreachable, unreachableHint(this.api), "unreachable");
  }

  private async attempt(url: string, init: RequestInit, okStatuses: number[]): Promise<{ status: number; text: string } | AttemptFailure> {
    // When a peer drops the connection, Node 20's fetch settles only after timers it does not hold the process open
    // for: with nothing else pending the process would end mid-request, exit 0 and print nothing. Hold it open.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      return await this.send(url, init, okStatuses);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async send(url: string, init: RequestInit, okStatuses: number[]): Promise<{ status: number; text: string } | AttemptFailure> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    const text = await response.text();
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location") ?? "another address";
      throw new CliError(`the Control Panel at ${url} redirects to ${location}`, EXIT.usage, "set --api-url (or IRON_API_URL) to the address it redirects to", "redirect");
    }
    if (response.ok || okStatuses.includes(response.status)) return { status: response.status, text };
    return { kind: "status", response, text };
  }

  private parse<S extends z.ZodType>(url: string, result: { status: number; text: string }, schema: S): { status: number; body: z.infer<S> } {
    let json: unknown;
    try {
      json = result.text === "" ? null : JSON.parse(result.text);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(`unexpected answer from ${url} (HTTP ${result.status}): not what a Control Panel sends`, EXIT.error, "check that --api-url / IRON_API_URL points at an Iron Control Panel of a compatible version", "bad_response");
    }
    return { status: result.status, body: parsed.data };
  }
}
