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

/** Readiness: PostgreSQL reachable, schema at least the version this code needs, Redis answering when configured. */
export async function readiness(ctx: Context, redis: Redis | undefined): Promise<{ ready: boolean; checks: Record<string, string> }> {
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
}

export function registerHealthRoutes(app: FastifyInstance, ctx: Context, redis: Redis | undefined): void {
  app.get("/healthz", { config: NO_LIMIT, logLevel: "warn" }, async () => ({ status: "ok" }));

  app.get("/readyz", { config: NO_LIMIT, logLevel: "warn" }, async (_req, reply) => {
    const { ready, checks } = await readiness(ctx, redis);
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
