import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { JWKS_PATH } from "@iron/protocol";
import type { Context } from "../context.js";
import { REQUIRED_SCHEMA_VERSION, schemaVersion } from "../migrations.js";
import { VERSION } from "../version.js";

const NO_LIMIT = { rateLimit: false } as const;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms))),
  ]);
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}
export type ReadinessCheck = (options?: { admin?: boolean }) => Promise<Readiness>;

/**
 * Readiness: PostgreSQL reachable, schema at least the version this code needs, Redis answering when configured, and
 * (unless `admin: false`) an enabled admin to sign in with: before the first admin exists the panel cannot be used.
 * Once seen, the admin is remembered: the API never lets the last enabled admin go.
 */
export function createReadiness(ctx: Context, redis: Redis | undefined): ReadinessCheck {
  let adminSeen = false;
  return async ({ admin = true } = {}) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      const version = await withTimeout(schemaVersion(ctx.pool), 2000, "PostgreSQL");
      checks.database = "ok";
      if (version >= REQUIRED_SCHEMA_VERSION) checks.schema = `ok (version ${version})`;
      else {
        ready = false;
        checks.schema = `schema version ${version} is older than the ${REQUIRED_SCHEMA_VERSION} this code needs: run the migrate command`;
      }
      if (admin && ready) {
        adminSeen ||= (await withTimeout(ctx.pool.query("SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1"), 2000, "PostgreSQL")).rows.length > 0;
        if (adminSeen) checks.admin = "ok";
        else {
          ready = false;
          checks.admin = ctx.config.admin
            ? "no admin yet: creating the first one from IRON_ADMIN_EMAIL"
            : "no enabled admin exists: set IRON_ADMIN_EMAIL and IRON_ADMIN_PASSWORD to create the first one";
        }
      }
    } catch (err) {
      ready = false;
      checks.database = `unreachable: ${(err as Error).message}`;
    }
    if (redis) {
      try {
        await withTimeout(redis.ping(), 1000, "Redis");
        checks.redis = "ok";
      } catch (err) {
        ready = false;
        checks.redis = `unreachable: ${(err as Error).message}`;
      }
    } else checks.redis = "not configured (in-memory rate limits)";
    return { ready, checks };
  };
}

export function registerHealthRoutes(app: FastifyInstance, ctx: Context, readiness: ReadinessCheck): void {
  app.get("/healthz", { config: NO_LIMIT, logLevel: "warn" }, async () => ({ status: "ok" }));

  app.get("/readyz", { config: NO_LIMIT, logLevel: "warn" }, async (_req, reply) => {
    const { ready, checks } = await readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "unready", checks });
  });

  app.get("/version", { config: NO_LIMIT }, async () => ({
    name: "@iron/control-panel",
    version: VERSION,
    schema_version: REQUIRED_SCHEMA_VERSION,
    node: process.version,
  }));

  app.get(JWKS_PATH, { config: NO_LIMIT }, async (_req, reply) => {
    void reply.header("Cache-Control", "public, max-age=300");
    return ctx.keys.jwks();
  });
}
