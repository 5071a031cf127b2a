import type { FastifyInstance } from "fastify";
import { CreateApiKeyRequest, LoginRequest, type CreateApiKeyResponse, type LoginResponse, type Me } from "@iron/protocol";
import { randomUUID } from "node:crypto";
import type { Context } from "../context.js";
import { ACCESS_CHANNEL } from "../access-events.js";
import { ACCESS_AUDIENCE, authenticate, newApiKey, requireUser } from "../auth.js";
import { HttpError, notFound, parse } from "../errors.js";
import { dummyPasswordHash, verifyPassword } from "../passwords.js";
import { apiKeyView, userView, type ApiKeyRow, type UserRow } from "../rows.js";
import { parseId } from "./params.js";

export function registerAuthRoutes(app: FastifyInstance, ctx: Context): void {
  app.post(
    "/api/auth/login",
    { config: { rateLimit: { max: ctx.config.rateLimit.loginMax, timeWindow: 60_000, keyGenerator: (req) => `login:${req.ip}` } } },
    async (req): Promise<LoginResponse> => {
      const { email, password } = parse(LoginRequest, req.body);
      const { rows } = await ctx.pool.query<UserRow>(
        "SELECT id, email, password_hash, role, created_at, disabled_at FROM users WHERE lower(email) = lower($1)",
        [email],
      );
      const user = rows[0];
      // Hash even for unknown emails, so timing does not tell which emails exist.
      const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !ok || user.disabled_at) throw new HttpError(401, "unauthorized", "invalid email or password");
      const ttl = ctx.config.accessTokenTtlSeconds;
      const access_token = await ctx.keys.sign(
        { sub: user.id, kind: "access", role: user.role },
        { audience: ACCESS_AUDIENCE, expiresAt: new Date(Date.now() + ttl * 1000) },
      );
      return { access_token, token_type: "Bearer", expires_in: ttl };
    },
  );

  app.get("/api/auth/me", async (req): Promise<Me> => {
    const p = await authenticate(ctx, req);
    if (p.kind !== "user") throw new HttpError(403, "forbidden", "this is an agent token: call GET /api/tokens/self");
    return { user: userView(p.user), credential: p.credential };
  });

  app.post("/api/keys", async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { name } = parse(CreateApiKeyRequest, req.body);
    const { key, hash, prefix } = newApiKey();
    const { rows } = await ctx.pool.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, user_id, name, key_hash, prefix) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, user_id, name, prefix, created_at, last_used_at, revoked_at`,
      [randomUUID(), user.id, name, hash, prefix],
    );
    const row = rows[0]!;
    const body: CreateApiKeyResponse = { id: row.id, key, name: row.name, prefix: row.prefix, created_at: row.created_at.toISOString() };
    return reply.code(201).send(body);
  });

  app.get("/api/keys", async (req) => {
    const user = await requireUser(ctx, req);
    const q = req.query as { user_id?: unknown };
    let ownerId = user.id;
    if (q.user_id !== undefined) {
      if (user.role !== "admin" && q.user_id !== user.id) throw new HttpError(403, "forbidden", "only an admin may list another user's keys");
      ownerId = parseId(q.user_id, "user_id");
    }
    const { rows } = await ctx.pool.query<ApiKeyRow>(
      "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC",
      [ownerId],
    );
    return { items: rows.map(apiKeyView) };
  });

  app.delete("/api/keys/:id", async (req, reply) => {
    const user = await requireUser(ctx, req);
    const id = parseId((req.params as { id: string }).id);
    // One statement: the revocation and the notice that ends the key's live streams commit together.
    const { rows } = await ctx.pool.query<ApiKeyRow>(
      `WITH k AS (
         UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
          WHERE id = $1 AND (user_id = $2 OR $3)
          RETURNING id
       )
       SELECT id, pg_notify('${ACCESS_CHANNEL}', 'key:' || id) FROM k`,
      [id, user.id, user.role === "admin"],
    );
    if (!rows[0]) throw notFound("API key");
    return reply.code(204).send();
  });
}
