import { homedir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { DEFAULT_PRICES, microsToUsd, readSecretFiles } from "@iron/protocol";
import { ConfigError, type RuntimeOptionsInput } from "./config.js";
import { startRuntime } from "./server.js";
import { StateDirInUseError } from "./state/store.js";

/** Each option's flag and environment variable (flags win), as named in error messages. */
const SOURCES: Record<string, string> = {
  token: "IRON_TOKEN",
  stateDir: "--state-dir / IRON_STATE_DIR",
  host: "--host / IRON_RUNTIME_HOST",
  port: "--port / IRON_RUNTIME_PORT",
  openaiBaseUrl: "--openai-base-url / IRON_OPENAI_BASE_URL",
  anthropicBaseUrl: "--anthropic-base-url / IRON_ANTHROPIC_BASE_URL",
  controlPanelUrl: "--control-panel-url / IRON_CONTROL_PANEL_URL",
  jwksFile: "--jwks-file / IRON_JWKS_FILE",
  jwks: "IRON_JWKS",
  pricesFile: "--prices-file / IRON_PRICES_FILE",
  unknownModels: "--unknown-models / IRON_UNKNOWN_MODELS",
  telemetryIntervalMs: "--telemetry-interval-ms / IRON_TELEMETRY_INTERVAL_MS",
  telemetryTimeoutMs: "--telemetry-timeout-ms / IRON_TELEMETRY_TIMEOUT_MS",
  telemetryRetryMs: "--telemetry-retry-ms / IRON_TELEMETRY_RETRY_MS",
  panelRefreshMs: "--panel-refresh-ms / IRON_PANEL_REFRESH_MS",
  logLevel: "--log-level / IRON_LOG_LEVEL",
};

interface ServeFlags {
  port?: string; host?: string; stateDir?: string; openaiBaseUrl?: string; anthropicBaseUrl?: string; controlPanelUrl?: string;
  telemetry?: boolean; jwksFile?: string; trustUnverifiedToken?: boolean; pricesFile?: string; unknownModels?: string;
  telemetryIntervalMs?: string; telemetryTimeoutMs?: string; telemetryRetryMs?: string; panelRefreshMs?: string; logLevel?: string;
  metrics?: boolean;
}

/** The secrets the runtime reads; each may come from a file named by `<NAME>_FILE` instead (Docker secrets). */
const SECRET_VARIABLES = ["IRON_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"] as const;

type Env = Record<string, string | undefined>;
const int = (value: string | undefined): number | undefined => (value === undefined || value === "" ? undefined : Number(value));
const flag = (value: string | undefined): boolean | undefined => (value === undefined || value === "" ? undefined : /^(1|true|yes|on)$/i.test(value));

/** Flags over environment over defaults. Validation happens in one place (RuntimeOptions). */
function optionsFrom(flags: ServeFlags, env: Env): RuntimeOptionsInput {
  return {
    token: env.IRON_TOKEN ?? "",
    stateDir: flags.stateDir ?? env.IRON_STATE_DIR ?? join(homedir(), ".iron", "runtime"),
    host: flags.host ?? env.IRON_RUNTIME_HOST,
    port: int(flags.port ?? env.IRON_RUNTIME_PORT),
    openaiBaseUrl: flags.openaiBaseUrl ?? env.IRON_OPENAI_BASE_URL,
    anthropicBaseUrl: flags.anthropicBaseUrl ?? env.IRON_ANTHROPIC_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY || undefined,
    anthropicApiKey: env.ANTHROPIC_API_KEY || undefined,
    controlPanelUrl: flags.controlPanelUrl ?? (env.IRON_CONTROL_PANEL_URL || undefined),
    telemetry: flags.telemetry === false ? false : flag(env.IRON_TELEMETRY),
    metrics: flags.metrics === false ? false : flag(env.IRON_METRICS),
    jwksFile: flags.jwksFile ?? (env.IRON_JWKS_FILE || undefined),
    jwks: env.IRON_JWKS || undefined,
    trustUnverifiedToken: flags.trustUnverifiedToken ?? flag(env.IRON_TRUST_UNVERIFIED_TOKEN),
    pricesFile: flags.pricesFile ?? (env.IRON_PRICES_FILE || undefined),
    unknownModels: (flags.unknownModels ?? env.IRON_UNKNOWN_MODELS) as RuntimeOptionsInput["unknownModels"],
    telemetryIntervalMs: int(flags.telemetryIntervalMs ?? env.IRON_TELEMETRY_INTERVAL_MS),
    telemetryTimeoutMs: int(flags.telemetryTimeoutMs ?? env.IRON_TELEMETRY_TIMEOUT_MS),
    telemetryRetryMs: int(flags.telemetryRetryMs ?? env.IRON_TELEMETRY_RETRY_MS),
    panelRefreshMs: int(flags.panelRefreshMs ?? env.IRON_PANEL_REFRESH_MS),
    logLevel: (flags.logLevel ?? env.IRON_LOG_LEVEL) as RuntimeOptionsInput["logLevel"],
  };
}

function explain(err: unknown): string {
  if (!(err instanceof ConfigError) && !(err instanceof StateDirInUseError)) return `iron-runtime: ${(err as Error).message}`;
  const text = err.message.replace(/^ {2}(\w+):/gm, (_, field: string) => `  ${SOURCES[field] ?? field}:`);
  return `iron-runtime: ${text}\nRun 'iron-runtime serve --help' for every option.`;
}

const program = new Command("iron-runtime")
  .description("Iron Cage Agent Runtime: an LLM proxy that keeps an agent token's budget, prices every call and reports telemetry to the Control Panel.")
  .showHelpAfterError();

program
  .command("serve")
  .description("run the LLM proxy daemon")
  .option("--port <port>", "port to listen on, 0 for any free one (env IRON_RUNTIME_PORT)", undefined)
  .option("--host <host>", "address to listen on (env IRON_RUNTIME_HOST; default 127.0.0.1)")
  .option("--state-dir <dir>", "SQLite ledger and telemetry queue, one runtime per dir (env IRON_STATE_DIR; default ~/.iron/runtime)")
  .option("--openai-base-url <url>", "OpenAI upstream, with /v1 (env IRON_OPENAI_BASE_URL; default https://api.openai.com/v1)")
  .option("--anthropic-base-url <url>", "Anthropic upstream (env IRON_ANTHROPIC_BASE_URL; default https://api.anthropic.com)")
  .option("--control-panel-url <url>", "Control Panel for keys, live budget and telemetry (env IRON_CONTROL_PANEL_URL)")
  .option("--no-telemetry", "do not report to the Control Panel even when its URL is set (env IRON_TELEMETRY=off)")
  .option("--no-metrics", "do not serve Prometheus metrics at GET /metrics (env IRON_METRICS=off)")
  .option("--jwks-file <file>", "verify IRON_TOKEN offline with this JWKS (the panel's /.well-known/jwks.json) (env IRON_JWKS_FILE)")
  .option("--trust-unverified-token", "accept IRON_TOKEN without checking its signature when no keys are at hand (env IRON_TRUST_UNVERIFIED_TOKEN=1)")
  .option("--prices-file <file>", 'JSON { "models": { ... } } laid over the built-in price table (env IRON_PRICES_FILE)')
  .addOption(new Option("--unknown-models <policy>", "a model without a price: reject the call (400) or price it at the table's highest prices (env IRON_UNKNOWN_MODELS; default reject)").choices(["reject", "highest-price"]))
  .option("--telemetry-interval-ms <ms>", "how long events gather before a batch is sent (default 1000)")
  .option("--telemetry-timeout-ms <ms>", "timeout of each request to the panel (default 5000)")
  .option("--telemetry-retry-ms <ms>", "first retry delay after a failed batch, doubling (default 500)")
  .option("--panel-refresh-ms <ms>", "how often the token's budget and status are read from the panel (default 30000)")
  .addOption(new Option("--log-level <level>", "log verbosity (env IRON_LOG_LEVEL; default info)").choices(["fatal", "error", "warn", "info", "debug", "silent"]))
  .addHelpText("after", `
Environment:
  IRON_TOKEN              the agent token from the Control Panel (iron token generate); its budget is the limit (required)
  IRON_CONTROL_PANEL_URL  the Control Panel; without it the runtime works alone (telemetry off)
  IRON_JWKS               the token's key set as inline JSON, instead of --jwks-file (a stack without a panel signs its own token)
  OPENAI_API_KEY          sent to the OpenAI upstream in place of the caller's key (never logged)
  ANTHROPIC_API_KEY       sent to the Anthropic upstream in place of the caller's key (never logged)
  <NAME>_FILE             any of the three secrets above from a file instead (Docker secrets), e.g.
                          IRON_TOKEN_FILE=/run/secrets/iron_token; set NAME or NAME_FILE, not both

Point your agent at the runtime:
  new OpenAI({ baseURL: "http://127.0.0.1:8787/openai/v1" })
  new Anthropic({ baseURL: "http://127.0.0.1:8787/anthropic" })

Examples:
  IRON_TOKEN=eyJ... IRON_CONTROL_PANEL_URL=https://panel.example.com iron-runtime serve
  IRON_TOKEN=eyJ... iron-runtime serve --jwks-file jwks.json --state-dir /var/lib/iron-runtime
  curl -s http://127.0.0.1:8787/status     # budget, spent, reserved, telemetry state
  curl -s http://127.0.0.1:8787/metrics    # Prometheus metrics (keep the port internal)`)
  .action(async (flags: ServeFlags) => {
    const secrets = readSecretFiles(process.env, SECRET_VARIABLES);
    if (secrets.problems.length > 0) {
      console.error(`iron-runtime: invalid runtime configuration:\n${secrets.problems.map((p) => `  ${p}`).join("\n")}\nRun 'iron-runtime serve --help' for every option.`);
      process.exit(2);
    }
    let running;
    try {
      running = await startRuntime(optionsFrom(flags, secrets.env));
    } catch (err) {
      console.error(explain(err));
      process.exit(err instanceof ConfigError || err instanceof StateDirInUseError ? 2 : 1);
    }
    const stop = (signal: string) => {
      running.runtime.log.info(`${signal}: shutting down`);
      void running.close().then(() => process.exit(0));
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });

program
  .command("status")
  .description("show a running daemon's budget, spend and telemetry state")
  .option("--url <url>", "the daemon", "http://127.0.0.1:8787")
  .option("--json", "print the raw JSON")
  .action(async (flags: { url: string; json?: boolean }) => {
    let status;
    try {
      const res = await fetch(`${flags.url.replace(/\/+$/, "")}/status`);
      status = (await res.json()) as { token: { id: string; status: string }; budget_micros: number; spent_micros: number; reserved_micros: number; remaining_micros: number; telemetry: { state: string; queued: number; reason: string | null } };
    } catch (err) {
      console.error(`iron-runtime: no runtime answers at ${flags.url} (${(err as Error).message}); start one with 'iron-runtime serve' or pass --url`);
      process.exit(1);
    }
    if (flags.json) return console.log(JSON.stringify(status, null, 2));
    console.log(`token      ${status.token.id} (${status.token.status})`);
    console.log(`budget     $${microsToUsd(status.budget_micros)}  spent $${microsToUsd(status.spent_micros)}  reserved $${microsToUsd(status.reserved_micros)}  remaining $${microsToUsd(status.remaining_micros)}`);
    console.log(`telemetry  ${status.telemetry.state}${status.telemetry.reason ? ` (${status.telemetry.reason})` : ""}, ${status.telemetry.queued} queued`);
  });

program
  .command("prices")
  .description("list the built-in price table (micro-USD per 1M tokens)")
  .option("--json", "print the raw JSON")
  .action((flags: { json?: boolean }) => {
    if (flags.json) return console.log(JSON.stringify({ models: DEFAULT_PRICES }, null, 2));
    for (const [model, p] of Object.entries(DEFAULT_PRICES)) {
      console.log(`${model.padEnd(26)} ${p.provider.padEnd(10)} in $${microsToUsd(p.input)}/M  cached $${microsToUsd(p.cached_input ?? p.input)}/M  out $${microsToUsd(p.output)}/M`);
    }
  });

await program.parseAsync(process.argv);
