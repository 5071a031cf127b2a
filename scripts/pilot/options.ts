import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";

export interface PilotOptions {
  dataDir: string;
  panelPort: number;
  runtimePort: number;
  sitePort: number;
  postgresPort: number;
  adminEmail: string;
  downloadsDir: string;
  host: string;
  /** Where people reach the panel, when not at http://127.0.0.1:<panel port> (a container's published address). */
  publicUrl: string | undefined;
}

/** Relative paths are from the repository root, as `npm run pilot` runs there. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("must be a port number from 0 to 65535 (0: any free port)");
  return Number(value);
}

function url(value: string): string {
  try {
    if (["http:", "https:"].includes(new URL(value).protocol)) return value.replace(/\/+$/, "");
  } catch {
    /* not a URL */
  }
  throw new InvalidArgumentError("must be an http(s) URL such as http://192.168.1.20:3000");
}

/** Flags win over environment variables, which win over the defaults. */
export function parsePilotOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): PilotOptions {
  const program = new Command("npm run pilot --")
    .description(
      "Runs the whole Iron Cage platform on this machine: embedded PostgreSQL, the Control Panel (with its dashboard), " +
        "the Agent Runtime proxy and the Marketing Site with /downloads, all on 127.0.0.1. Data stays in the data directory " +
        "across restarts; the first start prints the admin credentials. Ctrl-C stops everything.",
    )
    .option("--data-dir <dir>", "where the database, secrets and runtime ledger live (IRON_PILOT_DATA_DIR)", env.IRON_PILOT_DATA_DIR || ".iron/pilot")
    .option("--panel-port <port>", "Control Panel + dashboard port (IRON_PILOT_PANEL_PORT); the CLI's default URL is http://localhost:3000", port, port(env.IRON_PILOT_PANEL_PORT || "3000"))
    .option("--runtime-port <port>", "Agent Runtime proxy port (IRON_PILOT_RUNTIME_PORT)", port, port(env.IRON_PILOT_RUNTIME_PORT || "8787"))
    .option("--site-port <port>", "Marketing Site + /downloads port (IRON_PILOT_SITE_PORT)", port, port(env.IRON_PILOT_SITE_PORT || "8080"))
    .option("--postgres-port <port>", "embedded PostgreSQL port, 0 = any free one (IRON_PILOT_POSTGRES_PORT)", port, port(env.IRON_PILOT_POSTGRES_PORT || "0"))
    .option("--downloads-dir <dir>", "the CLIs' artifacts served under /downloads/ (IRON_PILOT_DOWNLOADS_DIR)", env.IRON_PILOT_DOWNLOADS_DIR || "dist/downloads")
    .option("--host <address>", "address every part listens on (IRON_PILOT_HOST); 0.0.0.0 only inside a container", env.IRON_PILOT_HOST || "127.0.0.1")
    .option("--public-url <url>", "the panel's address as people reach it, for the site's links and tokens (IRON_PILOT_PUBLIC_URL; default http://127.0.0.1:<panel port>)", url, env.IRON_PILOT_PUBLIC_URL || undefined)
    .option("--admin-email <email>", "the first admin's email, used on the first start only (IRON_ADMIN_EMAIL; IRON_ADMIN_PASSWORD sets its password, else one is generated)", env.IRON_ADMIN_EMAIL || "admin@iron.local")
    .addHelpText(
      "after",
      "\nThe runtime proxy forwards to the real providers; point it elsewhere with IRON_OPENAI_BASE_URL / IRON_ANTHROPIC_BASE_URL,\n" +
        "and give it provider keys with OPENAI_API_KEY / ANTHROPIC_API_KEY (otherwise the caller's own key passes through).\n" +
        "Each secret (IRON_ADMIN_PASSWORD, OPENAI_API_KEY, ANTHROPIC_API_KEY) may be a file instead: <NAME>_FILE=/run/secrets/<name>.\n\n" +
        "Examples:\n  npm run pilot\n  npm run pilot -- --panel-port 3100 --site-port 8081\n  IRON_PILOT_DATA_DIR=/tmp/iron-demo npm run pilot",
    )
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .parse(argv, { from: "user" });
  const o = program.opts<PilotOptions>();
  return { ...o, dataDir: resolve(root, o.dataDir), downloadsDir: resolve(root, o.downloadsDir) };
}
