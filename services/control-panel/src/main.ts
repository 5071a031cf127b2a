#!/usr/bin/env node
/**
 * `iron-control-panel migrate` applies the schema; `iron-control-panel serve` runs the HTTP API.
 * Both read the environment (see README.md). The Docker image and `npm run migrate|start` call this.
 */
import { startServer } from "./app.js";
import { ConfigError, loadConfig, loadDatabaseUrl, SECRET_VARIABLES } from "./config.js";
import { runMigrations } from "./migrations.js";

const USAGE = `usage: iron-control-panel <command>

commands:
  migrate   apply pending database migrations (safe to run concurrently; a no-op when current)
  serve     run the HTTP API on HOST:PORT (default 0.0.0.0:3000)

environment: DATABASE_URL (required), IRON_MASTER_KEY (required for serve), PORT, HOST, REDIS_URL,
IRON_ADMIN_EMAIL + IRON_ADMIN_PASSWORD, IRON_PUBLIC_URL, IRON_CORS_ORIGINS, IRON_LOG_LEVEL; see README.md.
Each secret (${SECRET_VARIABLES.join(", ")}) may be a file instead, Docker's
secrets convention: <NAME>_FILE=/run/secrets/<name> (set one of NAME and NAME_FILE, not both).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function migrate(): Promise<void> {
  const url = loadDatabaseUrl();
  const result = await runMigrations(url, (msg) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`));
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: "migrate done", applied: result.applied, version: result.version })}\n`);
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

const command = process.argv[2];
const run = command === "migrate" ? migrate : command === "serve" ? serve : undefined;
if (command === "--help" || command === "-h" || command === "help") {
  process.stdout.write(`${USAGE}\n`);
} else if (!run) {
  fail(`${command ? `unknown command: ${command}` : "no command given"}\n\n${USAGE}`);
} else {
  run().catch((err: unknown) => {
    if (err instanceof ConfigError) fail(err.message);
    fail(`iron-control-panel ${command} failed: ${err instanceof Error ? err.message : String(err)}`);
  });
}
