import { createHash } from "node:crypto";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from "fastify";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { Config } from "./config.js";
import type { Context } from "./context.js";
import { registerDashboardRoutes } from "./dashboard.js";
import { createPool } from "./db.js";
import { HttpError, installErrorHandlers } from "./errors.js";
import { EventBus } from "./event-bus.js";
import { KeyRing } from "./keys.js";
import { registerOpenApi } from "./openapi.js";
import { PanelMetrics } from "./metrics.js";
import { registerMetricsRoute, startMetricsListener } from "./routes/metrics.js";
import { securityHeaders } from "./security-headers.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerEventRoutes } from "./routes/events.js";
import { createReadiness, registerHealthRoutes, type ReadinessCheck } from "./routes/health.js";
import { registerTelemetryRoutes } from "./routes/telemetry.js";
import { registerTokenRoutes } from "./routes/tokens.js";
import { registerUsageRoutes } from "./routes/usage.js";
import { bootstrapAdmin, registerUserRoutes } from "./routes/users.js";

/** Body limit of every route but telemetry ingestion (which takes up to 1 MiB). */
const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface BuildOptions {
  /** A logger to use instead of one built from `config.logLevel` (e.g. the pilot's). */
  logger?: FastifyBaseLogger;
}

export type ControlPanelApp = FastifyInstance;

/**
 * pino options: request lines carry method, path (never the query string: `?access_token=` may be there)
 * and address; headers and bodies are never logged.
 */
const serializers = {
  req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, path: req.url?.split("?")[0], remoteAddress: req.ip }),
};

export function loggerOptions(level: Config["logLevel"]): NonNullable<Exclude<FastifyServerOptions["logger"], boolean>> {
  return {
    level,
    redact: { paths: ["req.headers", "headers.authorization", "*.password", "*.token", "*.access_token", "*.key"], censor: "[redacted]" },
    serializers,
  };
}

/**
 * The panel's logger: JSON lines to `destination` (stdout by default), written asynchronously so that
 * lines logged while a write is in flight go out together; pino flushes what is pending when the process exits.
 */
export function createLogger(level: Config["logLevel"], destination: number | string = 1): FastifyBaseLogger {
  return pino(loggerOptions(level), pino.destination({ dest: destination, sync: false }));
}

/** Rate-limit key of a credential: a hash, never the secret itself (it may be stored in Redis). Recent ones are remembered. */
const credentialKeys = new Map<string, string>();
function credentialKey(authorization: string): string {
  let key = credentialKeys.get(authorization);
  if (key === undefined) {
    key = `cred:${createHash("sha256").update(authorization).digest("base64url").slice(0, 32)}`;
    if (credentialKeys.size >= 10_000) credentialKeys.delete(credentialKeys.keys().next().value!);
    credentialKeys.set(authorization, key);
  }
  return key;
}

/** One access-log line per request, on completion (method, path, status, time); the "incoming" line only at debug. */
class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, "incoming request");
  }
  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: { message: error.message } }, "request errored");
    else reply.log.info(line, "request completed");
  }
}

/**
 * The Control Panel as a fastify instance, not yet listening: routes, plugins, a PostgreSQL pool and
 * (when `config.redisUrl` is set) a Redis client for shared rate limits. `app.close()` releases them.
 * Call `app.ctx.bus.start()` (startServer does) to feed `GET /api/events`.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<ControlPanelApp> {
  const app = Fastify({
    // A caller's logger gets our request serializer too, so query strings (`?access_token=`) never reach it.
    loggerInstance: options.logger ? options.logger.child({}, { serializers }) : createLogger(config.logLevel),
    logController: new AccessLog(),
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
  });
  const log = app.log;
  const pool = createPool(config.databaseUrl, {
    max: config.dbPoolMax,
    onIdleError: (err) => log.warn({ err: { message: err.message } }, "idle PostgreSQL connection failed"),
  });
  const keys = await KeyRing.create(config.masterKey, config.previousMasterKeys);
  const bus = new EventBus(config.databaseUrl, pool, log);
  const metrics = new PanelMetrics(pool, bus);
  const ctx: Context = { config, pool, keys, bus, log, metrics };

  let redis: Redis | undefined;
  if (config.redisUrl) {
    // Fail fast while Redis is away: rate limiting then lets requests through (skipOnError) and /readyz says why.
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false });
    redis.on("error", (err: Error) => log.warn({ err: { message: err.message } }, "Redis error"));
  }

  app.decorate("ctx", ctx);
  // Live streams never end by themselves: close them before the server waits for its connections.
  app.addHook("preClose", async () => bus.stop());
  app.addHook("onClose", async () => {
    await pool.end().catch(() => undefined);
    redis?.disconnect();
  });

  installErrorHandlers(app);
  app.addHook("onResponse", (req, reply, done) => {
    const route = req.routeOptions.url;
    metrics.request(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (route === "/api/telemetry" && req.method === "POST" && reply.statusCode >= 400) metrics.telemetry("rejected");
    done();
  });
  const headers = securityHeaders();
  app.addHook("onRequest", (_req, reply, done) => {
    void reply.headers(headers);
    done();
  });
  await app.register(cors, {
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    methods: ["GET", "POST", "PATCH", "DELETE"],
    allowedHeaders: ["Authorization", "Content-Type", "Last-Event-ID"],
    maxAge: 600,
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    ...(redis ? { redis } : {}),
    nameSpace: "iron-cp-rl:",
    skipOnError: true,
    // Per credential when one is presented (many agents may share one NAT address), else per client address.
    keyGenerator: (req) => {
      const auth = req.headers.authorization;
      return auth ? credentialKey(auth) : `ip:${req.ip}`;
    },
    errorResponseBuilder: (_req, c) =>
      new HttpError(429, "rate_limited", `rate limit of ${c.max} requests per window exceeded; retry in ${c.after} (see Retry-After)`),
  });

  await registerOpenApi(app);
  const readiness = createReadiness(ctx, redis);
  registerHealthRoutes(app, ctx, readiness);
  registerAuthRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerTelemetryRoutes(app, ctx);
  registerUsageRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerDashboardRoutes(app);
  registerMetricsRoute(app, ctx);

  app.decorate("readiness", readiness);
  return app;
}

declare module "fastify" {
  interface FastifyInstance {
    ctx: Context;
    readiness: ReadinessCheck;
  }
}

export interface RunningServer {
  app: ControlPanelApp;
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  /** The separate metrics listener (IRON_METRICS_PORT), e.g. http://127.0.0.1:9464; undefined when not configured. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Builds the app and, when IRON_ADMIN_EMAIL/PASSWORD are set, creates the first admin before it listens (so nothing
 * can sign in, nor see `/readyz` ready, before the admin exists); then listens on `config.host:config.port` and starts
 * the live event listener. While the database is away or the schema not current, it listens anyway (`/readyz` says
 * why) and retries the admin every 2 s.
 */
export async function startServer(config: Config, options: BuildOptions = {}): Promise<RunningServer> {
  const app = await buildApp(config, options);
  let bootstrapTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const admin = config.admin;
  const bootstrap = async (): Promise<boolean> => {
    if (!admin) return true;
    try {
      if (!(await app.readiness({ admin: false })).ready) throw new Error("not ready yet (database unreachable or schema not current)");
      const outcome = await bootstrapAdmin(app.ctx, admin);
      app.log.info(outcome === "created" ? "created the first admin from IRON_ADMIN_EMAIL" : "an admin exists; IRON_ADMIN_* left unused");
      return true;
    } catch (err) {
      app.log.warn({ err: { message: (err as Error).message } }, "admin bootstrap postponed; retrying in 2 s");
      return false;
    }
  };
  const retry = () => {
    bootstrapTimer = setTimeout(() => void bootstrap().then((done) => done || closed || retry()), 2000);
  };
  const bootstrapped = await bootstrap();
  await app.listen({ port: config.port, host: config.host });
  app.ctx.bus.start();
  if (!bootstrapped) retry();
  const metricsListener = config.metricsListen ? await startMetricsListener(app.ctx.metrics, config.metricsListen) : undefined;
  if (metricsListener) app.log.info(`Prometheus metrics at ${metricsListener.url}/metrics (no credentials: keep this port internal)`);
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return {
    app,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    metricsUrl: metricsListener?.url,
    async close() {
      closed = true;
      clearTimeout(bootstrapTimer);
      await Promise.all([app.close(), metricsListener?.close()]);
    },
  };
}
