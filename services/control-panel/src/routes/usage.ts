import type { FastifyInstance } from "fastify";
import { UsageQuery, type UsageResponse, type UsageRow } from "@iron/protocol";
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

export function registerUsageRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/usage", async (req): Promise<UsageResponse> => {
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
    const { rows } = await ctx.pool.query<UsageRow>(
      `SELECT ${KEY_SQL[q.group_by]} AS key,
              count(*) AS events,
              count(*) FILTER (WHERE e.type = 'llm_call') AS llm_calls,
              count(*) FILTER (WHERE e.type = 'llm_error') AS errors,
              coalesce(sum(e.input_tokens), 0)::bigint AS input_tokens,
              coalesce(sum(e.output_tokens), 0)::bigint AS output_tokens,
              coalesce(sum(e.cost_micros), 0)::bigint AS cost_micros
         FROM ${from} ${whereClause(where)}
        GROUP BY 1 ORDER BY ${q.group_by === "day" ? "1" : "cost_micros DESC, 1"}`,
      p.values,
    );
    const total = { events: 0, llm_calls: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0 };
    for (const r of rows) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r[k];
    return { group_by: q.group_by, since: since.toISOString(), until: until.toISOString(), rows, total };
  });
}
