import type { FastifyInstance } from "fastify";
import { UsageQuery } from "@iron/protocol";
import type { Context } from "../context.js";
import { requireUser } from "../auth.js";
import { HttpError, parse } from "../errors.js";
import { Params, whereClause } from "../sql.js";

const KEY_SQL = {
  agent: "e.agent_id",
  model: "e.provider || '/' || e.model",
  day: "to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
} as const;

const DAY_MS = 24 * 3600 * 1000;

/** The counters of a usage row, and of the total. */
const COUNTERS = ["events", "llm_calls", "errors", "input_tokens", "output_tokens", "cost_micros"] as const;

/**
 * Sums over BIGINT are `numeric` in PostgreSQL and can pass 2^53 - 1 (many tokens, each within its own bounds):
 * PostgreSQL writes the rows and the total as JSON itself, so every sum reaches the client exact, never rounded
 * through a JavaScript number and never a 500.
 */
function usageSql(groupBy: keyof typeof KEY_SQL, from: string, where: string): string {
  const fields = (prefix: string) => COUNTERS.map((c) => `'${c}', ${prefix}${c}`).join(", ");
  return `
    WITH g AS (
      SELECT ${KEY_SQL[groupBy]} AS key,
             count(*) AS events,
             count(*) FILTER (WHERE e.type = 'llm_call') AS llm_calls,
             count(*) FILTER (WHERE e.type = 'llm_error') AS errors,
             coalesce(sum(e.input_tokens), 0) AS input_tokens,
             coalesce(sum(e.output_tokens), 0) AS output_tokens,
             coalesce(sum(e.cost_micros), 0) AS cost_micros
        FROM ${from} ${where}
       GROUP BY 1
    )
    SELECT json_build_object(
             'rows', coalesce((SELECT json_agg(json_build_object('key', key, ${fields("")})
                                      ORDER BY ${groupBy === "day" ? "key" : "cost_micros DESC, key"}) FROM g), '[]'::json),
             'total', (SELECT json_build_object(${COUNTERS.map((c) => `'${c}', coalesce(sum(${c}), 0)`).join(", ")}) FROM g)
           )::text AS body`;
}

export function registerUsageRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/usage", async (req, reply) => {
    const user = await requireUser(ctx, req);
    const q = parse(UsageQuery, req.query, "query");
    const until = q.until ? new Date(q.until) : new Date();
    const since = q.since ? new Date(q.since) : new Date(until.getTime() - 30 * DAY_MS);
    if (since >= until) throw new HttpError(400, "validation_failed", "query.since must be before query.until");
    const p = new Params();
    const where = [`e.ts >= ${p.add(since)}`, `e.ts < ${p.add(until)}`];
    let from = "telemetry_events e";
    if (user.role === "user") from += ` JOIN agent_tokens t ON t.id = e.token_id AND t.owner_id = ${p.add(user.id)}`;
    if (q.agent_id) where.push(`e.agent_id = ${p.add(q.agent_id)}`);
    const { rows } = await ctx.pool.query<{ body: string }>(usageSql(q.group_by, from, whereClause(where)), p.values);
    const head = JSON.stringify({ group_by: q.group_by, since: since.toISOString(), until: until.toISOString() });
    // `{head…}` + `,` + `{rows, total}` without its opening brace: one JSON object, its sums as PostgreSQL wrote them.
    return reply.type("application/json; charset=utf-8").send(`${head.slice(0, -1)},${rows[0]!.body.slice(1)}`);
  });
}
