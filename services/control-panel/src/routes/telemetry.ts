import type { FastifyInstance } from "fastify";
import {
  MAX_EVENTS_PER_BATCH,
  MAX_MICROS,
  MAX_TELEMETRY_BODY_BYTES,
  TelemetryBatch,
  TelemetryQuery,
  type TelemetryEvent,
  type TelemetryIngestResponse,
  type TelemetryPage,
} from "@iron/protocol";
import type { Context } from "../context.js";
import { requireAgent, requireUser } from "../auth.js";
import { HttpError, parse } from "../errors.js";
import { EVENT_COLUMNS, TELEMETRY_CHANNEL, eventView, type EventRow } from "../event-bus.js";
import { Params, page, whereClause } from "../sql.js";
import { decodeCursor, encodeCursor, remaining, tokenStatus } from "../rows.js";

/** Event ids per NOTIFY payload: 36 characters each keeps a payload well under PostgreSQL's 8000-byte limit. */
const IDS_PER_NOTIFY = 150;

/**
 * One statement, so one transaction: insert the batch (duplicates of (token, event_id) are skipped by the
 * primary key), add the cost of the rows actually inserted to the token's spend atomically, and notify
 * listeners of the new event ids (delivered only on commit). Rows go in sorted by event_id so two
 * overlapping batches always take index locks in the same order and cannot deadlock.
 */
const INGEST_SQL = `
WITH input AS (
  SELECT * FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::jsonb[])
    AS i(event_id, ts, type, provider, model, input_tokens, output_tokens, cost_micros, latency_ms, attrs)
), ins AS (
  INSERT INTO telemetry_events (token_id, event_id, agent_id, ts, type, provider, model, input_tokens, output_tokens, cost_micros, latency_ms, attrs)
  SELECT $1, event_id, $12, ts, type, provider, model, input_tokens, output_tokens, cost_micros, latency_ms, attrs FROM input
  ON CONFLICT (token_id, event_id) DO NOTHING
  RETURNING event_id, cost_micros
), upd AS (
  UPDATE agent_tokens
     SET spent_micros = spent_micros + (SELECT coalesce(sum(cost_micros), 0) FROM ins)::bigint, last_event_at = now()
   WHERE id = $1 AND EXISTS (SELECT 1 FROM ins)
   RETURNING spent_micros, budget_micros
), notified AS (
  SELECT pg_notify('${TELEMETRY_CHANNEL}', $1::text || '|' || string_agg(event_id::text, ','))
    FROM (SELECT event_id, (row_number() OVER ()) / ${IDS_PER_NOTIFY} AS chunk FROM ins) c GROUP BY chunk
)
SELECT (SELECT count(*) FROM ins)::int AS accepted,
       (SELECT count(*) FROM notified)::int AS notifications,
       coalesce(upd.spent_micros, t.spent_micros) AS spent_micros,
       coalesce(upd.budget_micros, t.budget_micros) AS budget_micros,
       t.expires_at, t.revoked_at
  FROM agent_tokens t LEFT JOIN upd ON true
 WHERE t.id = $1`;

interface IngestRow {
  accepted: number;
  spent_micros: number;
  budget_micros: number;
  expires_at: Date | null;
  revoked_at: Date | null;
}

function columns(events: TelemetryEvent[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 10 }, () => new Array<unknown>(events.length));
  events.forEach((e, i) => {
    cols[0]![i] = e.event_id;
    cols[1]![i] = e.ts;
    cols[2]![i] = e.type;
    cols[3]![i] = e.provider;
    cols[4]![i] = e.model;
    cols[5]![i] = e.input_tokens;
    cols[6]![i] = e.output_tokens;
    cols[7]![i] = e.cost_micros;
    cols[8]![i] = e.latency_ms;
    cols[9]![i] = e.attrs === undefined ? null : JSON.stringify(e.attrs);
  });
  return cols;
}

/** Sorted input makes deadlocks between batches impossible in principle; a retry covers the unforeseen. */
async function ingest(ctx: Context, params: unknown[]): Promise<{ rows: IngestRow[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.pool.query<IngestRow>({ name: "ingest-telemetry", text: INGEST_SQL, values: params });
    } catch (err) {
      if ((err as { code?: string }).code !== "40P01" || attempt >= 3) throw err;
    }
  }
}

export function registerTelemetryRoutes(app: FastifyInstance, ctx: Context): void {
  app.post("/api/telemetry", { bodyLimit: MAX_TELEMETRY_BODY_BYTES }, async (req, reply) => {
    // A revoked or recently expired token still reports the spend its runtime incurred: the answer's status tells it to stop.
    const token = await requireAgent(ctx, req, { endedAgentTokens: true });
    const raw = req.body as { events?: unknown } | null;
    if (raw && Array.isArray(raw.events) && raw.events.length > MAX_EVENTS_PER_BATCH) {
      throw new HttpError(413, "payload_too_large", `a batch holds at most ${MAX_EVENTS_PER_BATCH} events; this one has ${raw.events.length}: split it`);
    }
    const { events } = parse(TelemetryBatch, req.body);

    // The same event twice in one batch counts once; sorting gives every transaction the same lock order.
    const unique = [...new Map(events.map((e) => [e.event_id.toLowerCase(), e])).values()].sort((a, b) =>
      a.event_id.toLowerCase() < b.event_id.toLowerCase() ? -1 : 1,
    );
    const total = unique.reduce((sum, e) => sum + e.cost_micros, 0);
    if (!Number.isSafeInteger(total)) throw new HttpError(400, "validation_failed", "the batch's cost_micros add up past the largest supported amount");

    const { rows } = await ingest(ctx, [token.id, ...columns(unique), token.agent_id]).catch((err: unknown) => {
      if ((err as { constraint?: string }).constraint === "agent_tokens_spent_safe") {
        throw new HttpError(400, "validation_failed", `this batch would take the token's recorded spend past ${MAX_MICROS} micros, the largest supported amount; nothing in it was recorded`);
      }
      throw err;
    });
    const row = rows[0];
    if (!row) throw new HttpError(401, "unauthorized", "agent token not recognised");
    const state = { ...token, spent_micros: row.spent_micros, budget_micros: row.budget_micros, expires_at: row.expires_at, revoked_at: row.revoked_at };
    const res: TelemetryIngestResponse = {
      accepted: row.accepted,
      duplicates: events.length - row.accepted,
      spent_micros: row.spent_micros,
      remaining_micros: remaining(state),
      status: tokenStatus(state),
    };
    ctx.metrics.telemetry(res);
    return reply.code(202).send(res);
  });

  app.get("/api/telemetry", async (req): Promise<TelemetryPage> => {
    const user = await requireUser(ctx, req);
    const q = parse(TelemetryQuery, req.query, "query");
    const where: string[] = [];
    const p = new Params();
    let from = "telemetry_events e";
    if (user.role === "user") from += ` JOIN agent_tokens t ON t.id = e.token_id AND t.owner_id = ${p.add(user.id)}`;
    if (q.agent_id) where.push(`e.agent_id = ${p.add(q.agent_id)}`);
    if (q.token_id) where.push(`e.token_id = ${p.add(q.token_id)}`);
    if (q.type) where.push(`e.type = ${p.add(q.type)}`);
    if (q.model) where.push(`e.model = ${p.add(q.model)}`);
    if (q.since) where.push(`e.ts >= ${p.add(q.since)}`);
    if (q.until) where.push(`e.ts < ${p.add(q.until)}`);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      if (!c || typeof c[1] !== "number") throw new HttpError(400, "validation_failed", "query.cursor is not a cursor this API returned");
      where.push(`(e.ts, e.seq) < (${p.add(c[0])}::timestamptz, ${p.add(c[1])}::bigint)`);
    }
    const { rows } = await ctx.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${from} ${whereClause(where)} ORDER BY e.ts DESC, e.seq DESC LIMIT ${p.add(q.limit + 1)}`,
      p.values,
    );
    return page(rows, q.limit, eventView, (last) => encodeCursor(last.ts, last.seq));
  });
}
