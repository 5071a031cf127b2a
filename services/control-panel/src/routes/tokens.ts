import type { FastifyInstance } from "fastify";
import { randomBytes, randomUUID } from "node:crypto";
import { CreateTokenRequest, TokenListQuery, UpdateTokenRequest, type CreateTokenResponse, type TokenList, type TokenSelf, type TokenView } from "@iron/protocol";
import type { Context } from "../context.js";
import { TOKEN_COLUMNS, requireAgent, requireUser } from "../auth.js";
import { HttpError, notFound, parse } from "../errors.js";
import { decodeCursor, encodeCursor, tokenSelfView, tokenView, type TokenRow, type UserRow } from "../rows.js";
import { Params, page, whereClause } from "../sql.js";
import { parseId } from "./params.js";

/** SQL conditions for each status, consistent with rows.tokenStatus. */
const STATUS_SQL = {
  revoked: "revoked_at IS NOT NULL",
  expired: "revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= now()",
  exhausted: "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND spent_micros >= budget_micros",
  active: "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND spent_micros < budget_micros",
} as const;

/** A token the caller may see: admins and viewers see all, users their own (others look absent: 404). */
async function loadVisibleToken(ctx: Context, user: UserRow, id: string): Promise<TokenRow> {
  const { rows } = await ctx.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM agent_tokens WHERE id = $1`, [id]);
  const token = rows[0];
  if (!token || (user.role === "user" && token.owner_id !== user.id)) throw notFound("token");
  return token;
}

/** `Idempotency-Key`: optional; 1–200 visible ASCII characters (a UUID is typical). */
function readIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header !== "string" || !/^[\x21-\x7e]{1,200}$/.test(header)) {
    throw new HttpError(400, "bad_request", "Idempotency-Key must be 1 to 200 visible ASCII characters, e.g. a UUID");
  }
  return header;
}

/** The token an earlier request with the same Idempotency-Key created; 409 if this request asks for something else. */
async function replayedToken(ctx: Context, ownerId: string, key: string, body: { budget_micros: number; name?: string; agent_id?: string }) {
  const { rows } = await ctx.pool.query<{ id: string; name: string | null; agent_id: string; budget_micros: string; expires_at: Date | null }>(
    "SELECT id, name, agent_id, budget_micros, expires_at FROM agent_tokens WHERE owner_id = $1 AND idempotency_key = $2",
    [ownerId, key],
  );
  const earlier = rows[0];
  if (!earlier) throw new HttpError(409, "conflict", "a token with this Idempotency-Key is being created; retry");
  const same = Number(earlier.budget_micros) === body.budget_micros && (body.name ?? null) === earlier.name && (body.agent_id === undefined || body.agent_id === earlier.agent_id);
  if (!same) throw new HttpError(409, "conflict", "this Idempotency-Key was used for a different token request; use a new key");
  return { ...earlier, budget_micros: Number(earlier.budget_micros) };
}

export function registerTokenRoutes(app: FastifyInstance, ctx: Context): void {
  app.post("/api/tokens", async (req, reply) => {
    const user = await requireUser(ctx, req, ["admin", "user"]);
    const body = parse(CreateTokenRequest, req.body);
    const idempotencyKey = readIdempotencyKey(req.headers["idempotency-key"]);
    const id = randomUUID();
    const agentId = body.agent_id ?? `agent-${randomBytes(6).toString("hex")}`;
    const expiresAt = body.expires_in === undefined ? null : new Date(Date.now() + body.expires_in * 1000);
    const inserted = await ctx.pool.query<{ id: string }>(
      `INSERT INTO agent_tokens (id, owner_id, name, agent_id, budget_micros, expires_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
      [id, user.id, body.name ?? null, agentId, body.budget_micros, expiresAt, idempotencyKey],
    );
    const row = inserted.rows[0]
      ? { id, name: body.name ?? null, agent_id: agentId, budget_micros: body.budget_micros, expires_at: expiresAt }
      : await replayedToken(ctx, user.id, idempotencyKey!, body);
    const claims: Record<string, unknown> = { jti: row.id, sub: row.agent_id, budget_micros: row.budget_micros, kind: "agent" };
    if (ctx.config.publicUrl) claims.panel_url = ctx.config.publicUrl;
    const token = await ctx.keys.sign(claims, row.expires_at ? { expiresAt: row.expires_at } : {});
    const res: CreateTokenResponse = {
      id: row.id,
      token,
      agent_id: row.agent_id,
      name: row.name,
      budget_micros: row.budget_micros,
      expires_at: row.expires_at?.toISOString() ?? null,
    };
    return reply.code(201).send(res);
  });

  app.get("/api/tokens", async (req): Promise<TokenList> => {
    const user = await requireUser(ctx, req);
    const q = parse(TokenListQuery, req.query, "query");
    const where: string[] = [];
    const p = new Params();
    if (user.role === "user") where.push(`owner_id = ${p.add(user.id)}`);
    if (q.agent_id) where.push(`agent_id = ${p.add(q.agent_id)}`);
    if (q.status) where.push(`(${STATUS_SQL[q.status]})`);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      if (!c || typeof c[1] !== "string") throw new HttpError(400, "validation_failed", "query.cursor is not a cursor this API returned");
      where.push(`(created_at, id) < (${p.add(c[0])}::timestamptz, ${p.add(parseId(c[1], "cursor"))}::uuid)`);
    }
    const { rows } = await ctx.pool.query<TokenRow>(
      `SELECT ${TOKEN_COLUMNS} FROM agent_tokens ${whereClause(where)} ORDER BY created_at DESC, id DESC LIMIT ${p.add(q.limit + 1)}`,
      p.values,
    );
    return page(rows, q.limit, tokenView, (last) => encodeCursor(last.created_at, last.id));
  });

  app.get("/api/tokens/self", async (req): Promise<TokenSelf> => tokenSelfView(await requireAgent(ctx, req)));

  app.get("/api/tokens/:id", async (req): Promise<TokenView> => {
    const user = await requireUser(ctx, req);
    return tokenView(await loadVisibleToken(ctx, user, parseId((req.params as { id: string }).id)));
  });

  app.patch("/api/tokens/:id", async (req): Promise<TokenView> => {
    const user = await requireUser(ctx, req, ["admin", "user"]);
    const id = parseId((req.params as { id: string }).id);
    const body = parse(UpdateTokenRequest, req.body);
    const token = await loadVisibleToken(ctx, user, id);
    if (token.revoked_at) throw new HttpError(409, "conflict", "this token is revoked; issue a new one");
    if (body.add_budget_micros !== undefined && token.budget_micros + body.add_budget_micros > Number.MAX_SAFE_INTEGER) {
      throw new HttpError(400, "validation_failed", "body.add_budget_micros would take the budget past the largest supported amount (2^53 - 1 micros)");
    }
    const { rows } = await ctx.pool.query<TokenRow>(
      `UPDATE agent_tokens SET
         budget_micros = coalesce($3::bigint, budget_micros + coalesce($2::bigint, 0)),
         name = coalesce($4, name)
       WHERE id = $1 AND revoked_at IS NULL AND coalesce($3::bigint, budget_micros + coalesce($2::bigint, 0)) <= 9007199254740991
       RETURNING ${TOKEN_COLUMNS}`,
      [id, body.add_budget_micros ?? null, body.budget_micros ?? null, body.name ?? null],
    );
    if (!rows[0]) throw new HttpError(409, "conflict", "this token was revoked or its budget changed meanwhile; read it and retry");
    return tokenView(rows[0]);
  });

  /** Revokes (idempotent). The row stays, with its spend, for the record. */
  app.delete("/api/tokens/:id", async (req): Promise<TokenView> => {
    const user = await requireUser(ctx, req, ["admin", "user"]);
    const id = parseId((req.params as { id: string }).id);
    await loadVisibleToken(ctx, user, id);
    const { rows } = await ctx.pool.query<TokenRow>(
      `UPDATE agent_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
      [id],
    );
    return tokenView(rows[0]!);
  });
}
