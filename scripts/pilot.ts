/**
 * `npm run pilot`: the whole platform on this machine, in one process (embedded PostgreSQL is its child):
 * the Control Panel with its dashboard, the Agent Runtime proxy and the Marketing Site with /downloads,
 * all on 127.0.0.1. Data under .iron/pilot/ survives restarts. See `npm run pilot -- --help`.
 */
import { existsSync } from "node:fs";
import { mkdir, chmod, readFile } from "node:fs/promises";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createLogger, loadConfig, runMigrations, startServer, type RunningServer } from "@iron/control-panel";
import { startRuntime, type RunningRuntime, type RuntimeOptionsInput } from "@iron/agent-runtime";
import { readSecretFiles } from "@iron/protocol";
import { parsePilotOptions } from "./pilot/options.js";
import { anyFreePort, assertPortFree } from "./pilot/ports.js";
import { startPostgres, type PilotPostgres } from "./pilot/postgres.js";
import { buildPilotSite } from "./pilot/site.js";
import { startSiteServer, type SiteServer } from "./pilot/site-server.js";
import { loadState, saveState, secret } from "./pilot/state.js";
import { adminExists, issuePilotAgentToken, PILOT_AGENT, PILOT_AGENT_BUDGET_USD } from "./pilot/agent-token.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const started = performance.now();
const options = parsePilotOptions(process.argv.slice(2));
const { dataDir } = options;
const say = (line: string) => process.stdout.write(`${line}\n`);

// Secrets may come as files (<NAME>_FILE, Docker's convention): the docker target's pilot container gets them so.
const secrets = readSecretFiles(process.env, ["IRON_ADMIN_PASSWORD", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"]);
if (secrets.problems.length > 0) {
  process.stderr.write(`pilot: ${secrets.problems.join("\n       ")}\n`);
  process.exit(2);
}
const env = secrets.env;

/** Everything started so far, stopped in reverse order. */
const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
function shutdown(reason: string, code: number): Promise<void> {
  stopping ??= (async () => {
    say(`\nstopping (${reason})…`);
    for (const { name, stop } of stops.reverse()) {
      await stop().catch((err: unknown) => say(`  ${name}: ${(err as Error).message}`));
    }
    say("stopped.");
    process.exit(code);
  })();
  return stopping;
}
process.on("SIGINT", () => void shutdown("SIGINT", 0));
process.on("SIGTERM", () => void shutdown("SIGTERM", 0));

try {
  await assertPortFree(options.host, options.panelPort, "Control Panel", "--panel-port or IRON_PILOT_PANEL_PORT");
  await assertPortFree(options.host, options.runtimePort, "Agent Runtime proxy", "--runtime-port or IRON_PILOT_RUNTIME_PORT");
  await assertPortFree(options.host, options.sitePort, "Marketing Site", "--site-port or IRON_PILOT_SITE_PORT");
  await assertPortFree("127.0.0.1", options.postgresPort, "embedded PostgreSQL", "--postgres-port or IRON_PILOT_POSTGRES_PORT");

  await mkdir(join(dataDir, "logs"), { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its directory.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o711);
  const stateFile = join(dataDir, "pilot.json");
  const state = await loadState(stateFile);
  const logFile = join(dataDir, "logs", "pilot.log");
  const logger = createLogger("info", logFile);
  say(`Iron Cage pilot — data in ${dataDir}, logs in ${logFile}`);

  const postgres: PilotPostgres = await startPostgres({
    dataDir: join(dataDir, "postgres"),
    port: options.postgresPort || (await anyFreePort()),
    password: state.postgresPassword,
    logFile: join(dataDir, "logs", "postgres.log"),
    log: say,
  });
  stops.push({ name: "PostgreSQL", stop: () => postgres.stop() });
  await runMigrations(postgres.url);

  // First start: no admin yet. Its password is generated, printed once, and never stored.
  const firstStart = !(await adminExists(postgres.url));
  const adminPassword = firstStart ? env.IRON_ADMIN_PASSWORD || secret(18) : undefined;
  const panelConfig = loadConfig({
    DATABASE_URL: postgres.url,
    IRON_MASTER_KEY: state.masterKey,
    HOST: options.host,
    PORT: String(options.panelPort),
    IRON_PUBLIC_URL: options.publicUrl ?? `http://127.0.0.1:${options.panelPort || 3000}`,
    IRON_DB_POOL_MAX: "5",
    ...(adminPassword ? { IRON_ADMIN_EMAIL: options.adminEmail, IRON_ADMIN_PASSWORD: adminPassword } : {}),
  });
  const panel: RunningServer = await startServer(panelConfig, { logger });
  stops.push({ name: "Control Panel", stop: () => panel.close() });

  if (!state.agentToken && adminPassword) {
    state.agentToken = await issuePilotAgentToken(panel.url, options.adminEmail, adminPassword);
    await saveState(stateFile, state);
  }

  let runtime: RunningRuntime | undefined;
  if (state.agentToken) {
    const runtimeOptions: RuntimeOptionsInput = {
      token: state.agentToken.token,
      stateDir: join(dataDir, "runtime"),
      host: options.host,
      port: options.runtimePort,
      controlPanelUrl: panel.url,
      ...(env.IRON_OPENAI_BASE_URL ? { openaiBaseUrl: env.IRON_OPENAI_BASE_URL } : {}),
      ...(env.IRON_ANTHROPIC_BASE_URL ? { anthropicBaseUrl: env.IRON_ANTHROPIC_BASE_URL } : {}),
      ...(env.OPENAI_API_KEY ? { openaiApiKey: env.OPENAI_API_KEY } : {}),
      ...(env.ANTHROPIC_API_KEY ? { anthropicApiKey: env.ANTHROPIC_API_KEY } : {}),
      logger: logger.child({ service: "iron-runtime" }) as unknown as RuntimeOptionsInput["logger"],
    };
    runtime = await startRuntime(runtimeOptions);
    stops.push({ name: "Agent Runtime", stop: () => runtime!.close(5000) });
  }

  const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
  const siteDir = join(dataDir, "site");
  const artifactsDir = options.downloadsDir;
  const { artifacts } = await buildPilotSite(siteDir, artifactsDir, options.publicUrl ?? panel.url, version);
  const site: SiteServer = await startSiteServer(siteDir, artifactsDir, options.sitePort, options.host);
  stops.push({ name: "Marketing Site", stop: () => site.close() });

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say("");
  say(`  Control Panel   ${panel.url}      dashboard at /, API at /api, health at /healthz`);
  const runtimeUrl = runtime && `http://127.0.0.1:${runtime.port}`;
  say(runtime ? `  Agent Runtime   ${runtimeUrl}      OpenAI base ${runtimeUrl}/openai/v1, Anthropic base ${runtimeUrl}/anthropic (agent "${PILOT_AGENT}")` : `  Agent Runtime   not started: the first start ended before it issued the runtime's agent token; delete ${dataDir} to start over`);
  say(`  Marketing Site  ${site.url}      downloads at ${site.url}/downloads/${artifacts === undefined ? " (CLIs not built: npm run build:artifacts)" : ""}`);
  say(`  PostgreSQL      127.0.0.1 (embedded, pid ${postgres.pid})`);
  if (adminPassword) {
    say("");
    say("  First start: the admin account (shown only now; keep it):");
    say(`    email     ${options.adminEmail}`);
    say(`    password  ${env.IRON_ADMIN_PASSWORD ? "(the one IRON_ADMIN_PASSWORD set)" : adminPassword}`);
    say(`  The runtime proxy spends the "${PILOT_AGENT}" token ($${PILOT_AGENT_BUDGET_USD} budget), kept in ${stateFile}.`);
  }
  say("");
  const cliBuilt = existsSync(join(root, "services/cli/dist/iron.cjs"));
  say(`  Try: ${cliBuilt ? "" : "npm run build (once, for the CLI), then "}npx iron login && npx iron token generate --budget 5 --agent my-agent`);
  say(`ready in ${seconds} s — Ctrl-C stops everything`);
} catch (err) {
  process.stderr.write(`pilot: ${(err as Error).message}\n`);
  await shutdown("start failed", 1);
}
