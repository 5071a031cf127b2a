import { z } from "zod";
import { readSecretFiles } from "@iron/protocol";

/** Everything the Control Panel reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  /** Secret from which the JWT signing key is derived (see keys.ts). */
  masterKey: string;
  /** Older master keys whose public keys stay in the JWKS so tokens they signed still verify. */
  previousMasterKeys: string[];
  admin: { email: string; password: string } | undefined;
  /** The panel's public URL when configured (`IRON_PUBLIC_URL`); agent tokens then carry it as `panel_url`. */
  publicUrl: string | undefined;
  corsOrigins: string[];
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  accessTokenTtlSeconds: number;
  rateLimit: { max: number; windowMs: number; loginMax: number };
  dbPoolMax: number;
  trustProxy: boolean;
  /** Where Prometheus scrapes /metrics without credentials; undefined: only on the main port, for admins. */
  metricsListen: { host: string; port: number } | undefined;
}

/** A bad or missing environment variable; `problems` has one line per variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Control Panel configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be a whole number from ${min} to ${max}`).max(max, `must be a whole number from ${min} to ${max}`));

const httpUrl = (what: string) =>
  z.string().refine((v) => {
    try {
      return ["http:", "https:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be an http(s) URL ${what}`);

const MASTER_KEY_HINT = "a random secret of at least 32 characters, e.g. the output of `openssl rand -base64 48`";

const Env = z.object({
  PORT: int(0, 65535).default(3000), // 0: any free port
  HOST: z.string().min(1, "must be a host name or address to listen on, e.g. 0.0.0.0").default("0.0.0.0"),
  DATABASE_URL: z
    .string({ error: "is required: a PostgreSQL URL such as postgres://user:password@host:5432/iron" })
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a PostgreSQL URL such as postgres://user:password@host:5432/iron"),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), "must be a Redis URL such as redis://host:6379 (or unset for in-memory rate limits)")
    .optional(),
  IRON_MASTER_KEY: z.string({ error: `is required: ${MASTER_KEY_HINT}` }).min(32, `is too short: ${MASTER_KEY_HINT}`),
  IRON_PREVIOUS_MASTER_KEYS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.string().min(32, `each key must be at least 32 characters`))),
  IRON_ADMIN_EMAIL: z.email("must be an email address").optional(),
  IRON_ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").max(256).optional(),
  IRON_PUBLIC_URL: httpUrl("where clients reach this panel, e.g. https://panel.example.com").optional(),
  IRON_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []))
    .pipe(
      z.array(
        z.string().refine((o) => {
          try {
            const u = new URL(o);
            return ["http:", "https:"].includes(u.protocol) && u.origin === o;
          } catch {
            return false;
          }
        }, "must be a comma-separated list of origins like https://app.example.com (scheme://host[:port], no path, no *)"),
      ),
    ),
  IRON_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  IRON_ACCESS_TOKEN_TTL: int(60, 86400).default(900),
  IRON_RATE_LIMIT_MAX: int(1, 100_000_000).default(6000),
  IRON_RATE_LIMIT_WINDOW_MS: int(1000, 86_400_000).default(60_000),
  IRON_LOGIN_RATE_LIMIT_MAX: int(1, 100_000_000).default(10),
  IRON_DB_POOL_MAX: int(1, 1000).default(10),
  IRON_TRUST_PROXY: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  IRON_METRICS_PORT: int(1, 65535).optional(),
  IRON_METRICS_HOST: z.string().min(1).optional(),
});

/** The secrets the panel reads; each may come from a file named by `<NAME>_FILE` instead (Docker secrets). */
export const SECRET_VARIABLES = ["DATABASE_URL", "REDIS_URL", "IRON_MASTER_KEY", "IRON_PREVIOUS_MASTER_KEYS", "IRON_ADMIN_PASSWORD"] as const;

/** The environment with secrets read from their `<NAME>_FILE`s, empty strings as unset (as a shell `FOO=` usually means). */
function secretsResolved(env: NodeJS.ProcessEnv): { cleaned: Record<string, string>; problems: string[] } {
  const { env: resolved, problems } = readSecretFiles(env, SECRET_VARIABLES);
  const cleaned = Object.fromEntries(Object.entries(resolved).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
  return { cleaned, problems };
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable and what it accepts. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { cleaned, problems: fileProblems } = secretsResolved(env);
  if (fileProblems.length > 0) throw new ConfigError(fileProblems);
  const parsed = Env.safeParse(cleaned);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${String(i.path[0] ?? "environment")}: ${i.message}`);
  if (("IRON_ADMIN_EMAIL" in cleaned) !== ("IRON_ADMIN_PASSWORD" in cleaned)) {
    problems.push("IRON_ADMIN_EMAIL and IRON_ADMIN_PASSWORD: set both (to bootstrap the first admin) or neither");
  }
  if (parsed.success && parsed.data.IRON_METRICS_PORT !== undefined && parsed.data.IRON_METRICS_PORT === parsed.data.PORT) {
    problems.push("IRON_METRICS_PORT: must differ from PORT (it is a second listener, for Prometheus only)");
  }
  if ("IRON_METRICS_HOST" in cleaned && !("IRON_METRICS_PORT" in cleaned)) {
    problems.push("IRON_METRICS_HOST: only used with IRON_METRICS_PORT (the separate metrics listener); set both or neither");
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    masterKey: e.IRON_MASTER_KEY,
    previousMasterKeys: e.IRON_PREVIOUS_MASTER_KEYS,
    admin: e.IRON_ADMIN_EMAIL && e.IRON_ADMIN_PASSWORD ? { email: e.IRON_ADMIN_EMAIL, password: e.IRON_ADMIN_PASSWORD } : undefined,
    publicUrl: e.IRON_PUBLIC_URL?.replace(/\/+$/, ""),
    corsOrigins: e.IRON_CORS_ORIGINS,
    logLevel: e.IRON_LOG_LEVEL,
    accessTokenTtlSeconds: e.IRON_ACCESS_TOKEN_TTL,
    rateLimit: { max: e.IRON_RATE_LIMIT_MAX, windowMs: e.IRON_RATE_LIMIT_WINDOW_MS, loginMax: e.IRON_LOGIN_RATE_LIMIT_MAX },
    dbPoolMax: e.IRON_DB_POOL_MAX,
    trustProxy: e.IRON_TRUST_PROXY === "true",
    metricsListen: e.IRON_METRICS_PORT === undefined ? undefined : { host: e.IRON_METRICS_HOST ?? e.HOST, port: e.IRON_METRICS_PORT },
  };
}

/** Only the config needed to run migrations. */
export function loadDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const { cleaned, problems } = secretsResolved(env);
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = Env.shape.DATABASE_URL.safeParse(cleaned.DATABASE_URL);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `DATABASE_URL: ${i.message}`));
  return parsed.data;
}
