import { z } from "zod";
import { MAX_EVENT_COST_MICROS, Micros } from "./money.js";
import { TokenStatus } from "./tokens.js";

/** At most this many events in one `POST /api/telemetry`. */
export const MAX_EVENTS_PER_BATCH = 1000;
/** At most this many bytes in one `POST /api/telemetry` body (413 above). */
export const MAX_TELEMETRY_BODY_BYTES = 1024 * 1024;

export const TelemetryEventType = z.enum(["llm_call", "llm_error", "tool_call", "budget_exceeded"]);
export type TelemetryEventType = z.infer<typeof TelemetryEventType>;

const AttrValue = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);

/** Free-form attributes: up to 32 keys of at most 64 characters; values are short strings, numbers, booleans or null. */
export const TelemetryAttrs = z
  .record(z.string().min(1).max(64), AttrValue)
  .refine((v) => Object.keys(v).length <= 32, { message: "at most 32 attributes" });

const Count = z.int().nonnegative();

/**
 * The most tokens one event may count on either side: 10^9. A call's prompt and output are bounded by the model's
 * context (a few million tokens at most, times `n` choices); the bound keeps one event from poisoning a total.
 */
export const MAX_EVENT_TOKENS = 1_000_000_000;
/** The longest latency one event may report: 7 days, in milliseconds. */
export const MAX_EVENT_LATENCY_MS = 7 * 24 * 3600 * 1000;

const TokenCount = Count.max(MAX_EVENT_TOKENS);

/**
 * One telemetry event as the runtime sends it. `ts` is an RFC 3339 timestamp with offset (e.g. `2026-01-01T12:00:00.000Z`).
 * For events that are not LLM calls, `provider`/`model` may be empty strings and the counters 0.
 */
export const TelemetryEvent = z.strictObject({
  event_id: z.uuid(),
  ts: z.iso.datetime({ offset: true }),
  type: TelemetryEventType,
  provider: z.string().max(64),
  model: z.string().max(128),
  input_tokens: TokenCount,
  output_tokens: TokenCount,
  cost_micros: Micros.max(MAX_EVENT_COST_MICROS),
  latency_ms: Count.max(MAX_EVENT_LATENCY_MS),
  attrs: TelemetryAttrs.optional(),
});
export type TelemetryEvent = z.infer<typeof TelemetryEvent>;

/** `POST /api/telemetry` body. Idempotent on (token, event_id): re-sent events count as duplicates. */
export const TelemetryBatch = z.strictObject({
  events: z.array(TelemetryEvent).min(1, "send at least one event").max(MAX_EVENTS_PER_BATCH),
});
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;

/** `POST /api/telemetry` → 202: the token's state after this batch. */
export const TelemetryIngestResponse = z.object({
  accepted: Count,
  duplicates: Count,
  spent_micros: Micros,
  remaining_micros: Micros,
  status: TokenStatus,
});
export type TelemetryIngestResponse = z.infer<typeof TelemetryIngestResponse>;

/** An event as stored and read back (`GET /api/telemetry`, `GET /api/events`). */
export const StoredTelemetryEvent = TelemetryEvent.extend({
  token_id: z.uuid(),
  agent_id: z.string(),
  received_at: z.string(),
  attrs: z.record(z.string(), z.unknown()).nullable(),
});
export type StoredTelemetryEvent = z.infer<typeof StoredTelemetryEvent>;

/** `GET /api/telemetry` query: newest first, `since` inclusive, `until` exclusive. */
export const TelemetryQuery = z.strictObject({
  agent_id: z.string().max(128).optional(),
  token_id: z.uuid().optional(),
  type: TelemetryEventType.optional(),
  model: z.string().max(128).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
export type TelemetryQuery = z.infer<typeof TelemetryQuery>;

export const TelemetryPage = z.object({
  items: z.array(StoredTelemetryEvent),
  next_cursor: z.string().nullable(),
});
export type TelemetryPage = z.infer<typeof TelemetryPage>;

/** The SSE stream `GET /api/events` sends `event: telemetry` with one StoredTelemetryEvent as `data`. */
export const EVENT_STREAM_TELEMETRY = "telemetry";
/**
 * Its last event when the credential that opened it stops being valid (API key revoked, user disabled or role changed,
 * access token expired): `event: closed`, `data: { "reason": "…" }`. Reconnecting with that credential answers 401.
 */
export const EVENT_STREAM_CLOSED = "closed";
