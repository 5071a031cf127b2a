import { z } from "zod";
import type { Logger } from "pino";

const HttpUrl = z
  .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
  .transform((u) => u.replace(/\/+$/, ""));
const Millis = z.int().positive().max(3_600_000);

/** Everything the runtime can be told, validated once at start (by the daemon's flags/env or by the SDK's caller). */
export const RuntimeOptions = z.strictObject({
  /** The agent token (a Control Panel JWT). Its budget is the limit. */
  token: z.string().min(1, "IRON_TOKEN is required: the agent token the Control Panel issued"),
  /** Where the ledger and telemetry queue live (SQLite). One runtime per state dir. */
  stateDir: z.string().min(1),
  /** Daemon only: where to listen. Port 0 picks a free one. */
  host: z.string().min(1).default("127.0.0.1"),
  port: z.int().min(0).max(65535).default(8787),
  /** Daemon only: upstream bases, in the SDKs' conventions (OpenAI's includes /v1, Anthropic's does not). */
  openaiBaseUrl: HttpUrl.default("https://api.openai.com/v1"),
  anthropicBaseUrl: HttpUrl.default("https://api.anthropic.com"),
  /** Daemon only: provider keys sent upstream in place of the caller's; never logged. Without one the caller's own key passes through. */
  openaiApiKey: z.string().min(1).optional(),
  anthropicApiKey: z.string().min(1).optional(),
  /** The Control Panel: JWKS to verify the token, live budget and status, telemetry. */
  controlPanelUrl: HttpUrl.optional(),
  /** Telemetry is on when a panel URL is set, unless this is false. */
  telemetry: z.boolean().default(true),
  /** A JWKS file to verify the token offline (agent-only deployments). */
  jwksFile: z.string().min(1).optional(),
  /** The same key set given inline as JSON (IRON_JWKS), for platforms that pass environment variables but not files. */
  jwks: z.string().min(1).optional(),
  /** Accept a token whose signature cannot be checked (no panel, no cached keys, no JWKS file). The budget then rests on trust in whoever set IRON_TOKEN. */
  trustUnverifiedToken: z.boolean().default(false),
  /** A prices file (`{ "models": { ... } }`) laid over the built-in table. */
  pricesFile: z.string().min(1).optional(),
  /** A model missing from the price table: `reject` it (400, default), or price it at the table's `highest-price`. */
  unknownModels: z.enum(["reject", "highest-price"]).default("reject"),
  /** Telemetry cadence: batch interval, per-request timeout, first retry delay (doubling). */
  telemetryIntervalMs: Millis.default(1000),
  telemetryTimeoutMs: Millis.default(5000),
  telemetryRetryMs: Millis.default(500),
  /** How often to ask the panel for the token's budget and status (top-ups, revocation). */
  panelRefreshMs: Millis.default(30_000),
  /** Daemon: serve Prometheus metrics at GET /metrics on the runtime's own (internal) port. */
  metrics: z.boolean().default(true),
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: z.int().positive().default(32 * 1024 * 1024),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "silent"]).default("info"),
});
export type RuntimeOptionsInput = z.input<typeof RuntimeOptions> & { logger?: Logger };
export type RuntimeConfig = z.output<typeof RuntimeOptions>;

export class ConfigError extends Error {}

/** Validates options; the error names each bad field and what it expects. */
export function parseOptions(input: Omit<RuntimeOptionsInput, "logger">): RuntimeConfig {
  const result = RuntimeOptions.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(options)"}: ${i.message}`);
  throw new ConfigError(`invalid runtime configuration:\n${lines.join("\n")}`);
}
