import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { CreateUserRequest, UpdateUserRequest, type User } from "@iron/protocol";
import type { Context } from "../context.js";
import { notifyAccessChange } from "../access-events.js";
import { requireUser } from "../auth.js";
import { withTransaction, type PoolClient } from "../db.js";
import { HttpError, forbidden, notFound, parse } from "../errors.js";
import { hashPassword } from "../passwords.js";
import { userView, type UserRow } from "../rows.js";
import { parseId } from "./params.js";

const COLUMNS = "id, email, password_hash, role, created_at, disabled_at";

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === "23505";

/** Refuses a change that would leave no enabled admin. Runs inside the changing transaction, after the change. */
async function assertAnAdminRemains(client: PoolClient): Promise<void> {
  const { rows } = await client.query("SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1");
  if (rows.length === 0) throw new HttpError(409, "conflict", "that would leave no enabled admin");
}

export function registerUserRoutes(app: FastifyInstance, ctx: Context): void {
  app.post("/api/users", async (req, reply) => {
    await requireUser(ctx, req, ["admin"]);
    const body = parse(CreateUserRequest, req.body);
    const hash = await hashPassword(body.password);
    try {
      const { rows } = await ctx.pool.query<UserRow>(
        `INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [randomUUID(), body.email, hash, body.role],
      );
      return reply.code(201).send(userView(rows[0]!));
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, "conflict", `a user with email ${body.email} already exists`);
      throw err;
    }
  });

  app.get("/api/users", async (req) => {
    await requireUser(ctx, req, ["admin"]);
    const { rows } = await ctx.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY created_at, id LIMIT 10000`);
    return { items: rows.map(userView) };
  });

  app.get("/api/users/:id", async (req): Promise<User> => {
    const me = await requireUser(ctx, req);
    const id = parseId((req.params as { id: string }).id);
    if (me.role !== "admin" && id !== me.id) throw forbidden("only an admin may read another user");
    const { rows } = await ctx.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    if (!rows[0]) throw notFound("user");
    return userView(rows[0]);
  });

  app.patch("/api/users/:id", async (req): Promise<User> => {
    const me = await requireUser(ctx, req);
    const id = parseId((req.params as { id: string }).id);
    const body = parse(UpdateUserRequest, req.body);
    if (me.role !== "admin") {
      if (id !== me.id) throw forbidden("only an admin may change another user");
      if (body.role !== undefined || body.disabled !== undefined) throw forbidden("only an admin may change roles or disable users");
    }
    const hash = body.password === undefined ? null : await hashPassword(body.password);
    return withTransaction(ctx.pool, async (client) => {
      await client.query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"); // serialises the last-admin check
      const { rows } = await client.query<UserRow>(
        `UPDATE users SET
           password_hash = coalesce($2, password_hash),
           role = coalesce($3, role),
           disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at WHEN $4 THEN coalesce(disabled_at, now()) ELSE NULL END,
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, hash, body.role ?? null, body.disabled ?? null],
      );
      if (!rows[0]) throw notFound("user");
      if (body.role !== undefined || body.disabled) await assertAnAdminRemains(client);
      if (body.disabled) await client.query("UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [id]);
      if (body.disabled || body.role !== undefined) await notifyAccessChange(client, { userId: id }); // ends their live streams
      return userView(rows[0]);
    });
  });

  /** Disables the user and revokes their API keys (rows stay: tokens they issued keep an owner). */
  app.delete("/api/users/:id", async (req, reply) => {
    await requireUser(ctx, req, ["admin"]);
    const id = parseId((req.params as { id: string }).id);
    await withTransaction(ctx.pool, async (client) => {
      await client.query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
      const { rowCount } = await client.query("UPDATE users SET disabled_at = coalesce(disabled_at, now()), updated_at = now() WHERE id = $1", [id]);
      if (!rowCount) throw notFound("user");
      await assertAnAdminRemains(client);
      await client.query("UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [id]);
      await notifyAccessChange(client, { userId: id }); // ends their live streams
    });
    return reply.code(204).send();
  });
}

/** Creates the first admin from IRON_ADMIN_EMAIL/PASSWORD when no admin exists yet; a no-op afterwards. */
export async function bootstrapAdmin(ctx: Context, admin: { email: string; password: string }): Promise<"created" | "exists"> {
  const existing = await ctx.pool.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
  if (existing.rows.length > 0) return "exists";
  const hash = await hashPassword(admin.password);
  return withTransaction(ctx.pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(7140113202)"); // replicas starting together create one admin
    const { rows } = await client.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
    if (rows.length > 0) return "exists";
    const { rowCount } = await client.query(
      `INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, 'admin') ON CONFLICT DO NOTHING`,
      [randomUUID(), admin.email, hash],
    );
    if (!rowCount) throw new Error(`IRON_ADMIN_EMAIL ${admin.email} already belongs to a non-admin user; promote it with PATCH /api/users/:id`);
    return "created";
  });
}
