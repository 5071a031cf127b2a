import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import type { Logger } from "pino";
import { costMicros, type ModelPrice, type TelemetryEvent, type TokenUsage } from "@iron/protocol";
import type { EndpointRoute } from "./endpoints.js";
import { BadRequestError, readRequestShape } from "./request-shape.js";
import { estimateMicros } from "./estimate.js";
import { mergeAnswerUsage, normalizeUsage, SseUsageScanner, type RawUsage } from "./usage.js";
import { errorBody, forwardableHeaderObject, type ErrorAnswer } from "./http-errors.js";
import type { Budget } from "./budget.js";
import type { Prices } from "./prices.js";
import type { OpenReservation, Store, SettledCall } from "./state/store.js";
import type { CallOutcome, CallReport } from "./metrics.js";
import { requestUpstream, UpstreamFailure, type CallSignal, type UpstreamAnswer } from "./upstream.js";

export type { CallSignal } from "./upstream.js";

/** One LLM call on its way upstream: where to, with which headers (credentials already in place) and body. */
export interface ProxyCall {
  route: EndpointRoute;
  /** The upstream's origin (`https://api.openai.com`) and the path with any query (`/v1/chat/completions?…`). */
  origin: string;
  path: string;
  /** The headers for the upstream, lower-case names; the proxy sets content-type and accept-encoding in it. */
  headers: Record<string, string>;
  body: Buffer;
  signal?: CallSignal;
}

/** What goes back to the agent. A streamed body is relayed chunk by chunk; iterate it to the end (or `return()` it) to settle the call. */
export interface ProxyResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer | AsyncIterable<Uint8Array>;
}

/** The share of the budget from which calls carry a warning header and the runtime logs a warning. */
export const WARN_AT_FRACTION = 0.9;

export interface CallContext {
  tokenId: string;
  budget: Budget;
  prices: Prices;
  store: Store;
  upstream: Dispatcher;
  log: Logger;
  /** Undefined when the token may be used at `now` (ms since the epoch); otherwise the refusal to answer with. */
  refusal(now: number): ErrorAnswer | undefined;
  /** Whether settled calls are queued for telemetry (a panel URL is configured and telemetry is not turned off). */
  queueTelemetry: boolean;
  /** Called after every settled call; `queued` when its telemetry event was queued. */
  onSettled(queued: boolean): void;
  /** Called once for every call that ends, settled or turned away (metrics); undefined when metrics are off. */
  report: ((call: CallReport) => void) | undefined;
}

export function answer(error: ErrorAnswer, extraHeaders: Record<string, string> = {}): ProxyResult {
  const body = errorBody(error);
  return { status: error.status, headers: { "content-type": "application/json", "content-length": String(body.length), ...extraHeaders }, body };
}

interface CallRecord {
  eventId: string;
  ts: string;
  route: EndpointRoute;
  model: string;
  /** The model's metrics label (its price-table name, or `other`). */
  label: string;
  price: ModelPrice;
  reserved: number;
  /** What remained of the budget once this call reserved (the agent sees it in a header). */
  remaining: number;
  started: number;
  /** When the request went upstream, and how long the upstream took (until its answer was read). */
  upstreamAt: number | undefined;
  upstreamMs: number | undefined;
  /** The call's reservation in the journal, once written. */
  held: OpenReservation | undefined;
}

let isoSecond = -1;
let isoPrefix = "";

/** `new Date(now).toISOString()`, with the part up to the second formatted once a second (it runs on every call). */
function isoString(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20); // "2026-12-01T10:35:12."
  }
  const ms = now - second * 1000;
  return `${isoPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z`;
}

/** Enforces the budget around one call: refuse, reserve, forward, relay, settle. */
export async function proxyCall(ctx: CallContext, call: ProxyCall): Promise<ProxyResult> {
  const started = performance.now();
  const now = Date.now(); // one clock read for the token check and the call's timestamp
  const refusal = ctx.refusal(now);
  if (refusal) return rejected(ctx, call, refusal);

  let shape;
  try {
    shape = readRequestShape(call.route.endpoint, call.body);
  } catch (err) {
    if (err instanceof BadRequestError) return rejected(ctx, call, { status: 400, code: "bad_request", message: err.message });
    throw err;
  }
  const priced = ctx.prices.resolve(shape.model);
  if (!priced) {
    return rejected(ctx, call, {
      status: 400,
      code: "unknown_model",
      message: `the runtime has no price for model "${shape.model}", so it cannot keep the budget; add it to a prices file (--prices-file) or start with --unknown-models highest-price`,
      details: { model: shape.model },
    });
  }

  const estimate = estimateMicros(priced.price, shape);
  const rec: CallRecord = {
    eventId: randomUUID(), ts: isoString(now), route: call.route, model: shape.model, label: priced.label, price: priced.price,
    reserved: estimate, remaining: 0, started, upstreamAt: undefined, upstreamMs: undefined, held: undefined,
  };

  if (!ctx.budget.tryReserve(estimate)) return refuseOverBudget(ctx, rec);
  rec.remaining = ctx.budget.remainingMicros;
  try {
    rec.held = ctx.store.reserve({ event_id: rec.eventId, token_id: ctx.tokenId, ts: rec.ts, provider: rec.route.provider, endpoint: rec.route.endpoint, model: rec.model, reserved_micros: estimate });
  } catch (err) {
    // Without its reservation on disk a crash could lose the call: it does not go upstream.
    ctx.budget.settle(estimate, 0);
    ctx.log.error({ err: (err as Error).message }, "cannot write the call journal");
    return answer({ status: 500, code: "state_unwritable", message: `the runtime could not record the call in its state dir, so it did not forward it: ${(err as Error).message}` });
  }

  const headers = call.headers;
  headers["content-type"] = "application/json";
  headers["accept-encoding"] = "identity";
  let upstream: UpstreamAnswer;
  rec.upstreamAt = performance.now();
  try {
    upstream = await requestUpstream(ctx.upstream, { origin: call.origin, path: call.path, headers, body: shape.body, signal: call.signal });
  } catch (err) {
    // No connection (or the agent gone while the call waited for one): nothing left, nothing billed. The request sent
    // and then no answer (the connection reset, the upstream's time out, the agent gone): the provider may bill it, so
    // it is charged its reservation.
    const sent = err instanceof UpstreamFailure && err.sent;
    const agentLeft = call.signal?.aborted === true;
    settle(ctx, rec, { status: agentLeft ? 499 : 502, usage: undefined, complete: false, failed: !sent });
    const { provider } = rec.route;
    return answer(
      sent
        ? { status: 502, code: "upstream_failed", message: `the ${provider} upstream took the request but gave no answer: ${(err as Error).message}` }
        : { status: 502, code: "upstream_unreachable", message: `the ${provider} upstream could not be reached: ${(err as Error).message}` },
      budgetHeaders(ctx, rec),
    );
  }

  const isStream = `${upstream.headers["content-type"] ?? ""}`.includes("text/event-stream");
  if (isStream && upstream.statusCode < 400) {
    return { status: upstream.statusCode, headers: answerHeaders(ctx, rec, upstream), body: relay(ctx, rec, upstream) };
  }

  const failed = upstream.statusCode >= 400;
  let body: Buffer;
  try {
    body = await upstream.whole();
    rec.upstreamMs = performance.now() - rec.upstreamAt;
  } catch (err) {
    settle(ctx, rec, { status: upstream.statusCode, usage: undefined, complete: false, failed });
    return answer({ status: 502, code: "upstream_failed", message: `the ${rec.route.provider} upstream broke off its answer: ${(err as Error).message}` }, budgetHeaders(ctx, rec));
  }
  const raw: RawUsage = {};
  mergeAnswerUsage(raw, body.toString("utf8"));
  const cost = settle(ctx, rec, { status: upstream.statusCode, usage: normalizeUsage(rec.route.provider, raw), complete: true, failed });
  const out = answerHeaders(ctx, rec, upstream);
  out["content-length"] = `${body.length}`;
  out["x-iron-cost-micros"] = `${cost}`;
  return { status: upstream.statusCode, headers: out, body };
}

async function* relay(ctx: CallContext, rec: CallRecord, upstream: UpstreamAnswer): AsyncGenerator<Uint8Array> {
  const scanner = new SseUsageScanner();
  let complete = false;
  try {
    for await (const chunk of upstream.chunks()) {
      scanner.feed(chunk);
      yield chunk;
    }
    complete = true;
  } finally {
    scanner.end();
    // A stream's upstream time runs to its last chunk (the agent's reading included): what is left is the runtime's own.
    rec.upstreamMs = performance.now() - rec.upstreamAt!;
    settle(ctx, rec, { status: upstream.statusCode, usage: normalizeUsage(rec.route.provider, scanner.raw), complete, failed: false });
  }
}

/** A call turned away before any budget or upstream work (refused token, bad request, unknown model). */
function rejected(ctx: CallContext, call: ProxyCall, error: ErrorAnswer): ProxyResult {
  ctx.report?.({ provider: call.route.provider, model: "other", outcome: "rejected", costMicros: 0, totalMs: 0, upstreamMs: undefined, ledgerWriteMs: undefined });
  return answer(error);
}

function refuseOverBudget(ctx: CallContext, rec: CallRecord): ProxyResult {
  const b = ctx.budget;
  settle(ctx, rec, { status: 402, usage: undefined, complete: false, failed: true, refused: true });
  ctx.log.warn({ event_id: rec.eventId, model: rec.model, estimate_micros: rec.reserved, remaining_micros: b.remainingMicros }, "call refused: over budget");
  return answer({
    status: 402,
    code: "budget_exceeded",
    message: `this call could cost up to ${rec.reserved} micro-USD (prompt + max output tokens of ${rec.model}) but only ${b.remainingMicros} of the token's ${b.budgetMicros} remain; lower max_tokens, shorten the prompt, or top up the token`,
    details: { estimate_micros: rec.reserved, budget_micros: b.budgetMicros, spent_micros: b.spentMicros, reserved_micros: b.reservedMicros, remaining_micros: b.remainingMicros },
  });
}

function budgetHeaders(ctx: CallContext, rec: CallRecord): Record<string, string> {
  return withBudgetHeaders(ctx, rec, {});
}

/** The upstream's answer headers worth passing on, with the runtime's own. */
function answerHeaders(ctx: CallContext, rec: CallRecord, upstream: UpstreamAnswer): Record<string, string> {
  return withBudgetHeaders(ctx, rec, forwardableHeaderObject(upstream.headers));
}

function withBudgetHeaders(ctx: CallContext, rec: CallRecord, headers: Record<string, string>): Record<string, string> {
  headers["x-iron-event-id"] = rec.eventId;
  headers["x-iron-budget-remaining-micros"] = `${rec.remaining}`;
  const used = ctx.budget.usedFraction;
  if (used >= WARN_AT_FRACTION) headers["x-iron-budget-warning"] = `${Math.floor(used * 100)}% of the token's budget is spent or reserved`;
  return headers;
}

interface Outcome {
  status: number;
  usage: TokenUsage | undefined;
  /** The whole answer arrived. */
  complete: boolean;
  /** The provider refused or failed the call (it does not bill those). */
  failed: boolean;
  refused?: boolean;
}

const NO_USAGE: TokenUsage = { input_tokens: 0, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 0 };

/**
 * Records the call's actual cost. A successful call whose usage is unknown (a
 * broken-off stream, an answer without usage) is charged its full reservation:
 * the provider may have billed it, and the budget must never be overspent.
 */
function settle(ctx: CallContext, rec: CallRecord, outcome: Outcome): number {
  const exact = outcome.usage !== undefined && outcome.complete;
  const usage = outcome.usage ?? NO_USAGE;
  const cost = charge(rec, outcome);
  const type: TelemetryEvent["type"] = outcome.refused ? "budget_exceeded" : outcome.failed ? "llm_error" : "llm_call";
  const elapsed = performance.now() - rec.started;
  const row: SettledCall = {
    event_id: rec.eventId, token_id: ctx.tokenId, ts: rec.ts, type, provider: rec.route.provider, endpoint: rec.route.endpoint,
    model: rec.model, reserved_micros: outcome.refused ? 0 : rec.reserved, cost_micros: cost,
    input_tokens: usage.input_tokens, cached_input_tokens: usage.cached_input_tokens, cache_write_input_tokens: usage.cache_write_input_tokens,
    output_tokens: usage.output_tokens, latency_ms: Math.round(elapsed), http_status: outcome.status,
  };
  const queued = ctx.queueTelemetry;
  const before = ctx.budget.spentMicros;
  if (!outcome.refused) ctx.budget.settle(rec.reserved, cost);
  const writeAt = ctx.report && performance.now();
  ctx.store.settle(row, queued ? (exact || outcome.failed ? "reported" : "estimated") : undefined, rec.held);
  if (ctx.report) {
    const outcomeLabel: CallOutcome = outcome.refused ? "refused" : outcome.failed ? "upstream_error" : "ok";
    const upstreamMs = rec.upstreamMs ?? (rec.upstreamAt === undefined ? undefined : performance.now() - rec.upstreamAt);
    ctx.report({ provider: rec.route.provider, model: rec.label, outcome: outcomeLabel, costMicros: cost, totalMs: elapsed, upstreamMs, ledgerWriteMs: performance.now() - writeAt! });
  }
  const limit = ctx.budget.budgetMicros;
  if (before < limit * WARN_AT_FRACTION && ctx.budget.spentMicros >= limit * WARN_AT_FRACTION) {
    ctx.log.warn({ spent_micros: ctx.budget.spentMicros, budget_micros: limit }, `${WARN_AT_FRACTION * 100}% of the token's budget is spent`);
  }
  ctx.onSettled(queued);
  return cost;
}

function charge(rec: CallRecord, outcome: Outcome): number {
  if (outcome.refused) return 0;
  const reported = outcome.usage ? costMicros(rec.price, outcome.usage) : undefined;
  if (outcome.failed) return reported ?? 0;
  if (outcome.complete && reported !== undefined) return reported;
  return Math.max(rec.reserved, reported ?? 0);
}
