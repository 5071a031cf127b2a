import { Command } from "commander";
import { VERSION } from "./version.js";

/**
 * The command tree. Command modules are imported when their command runs, so `iron --version` and `--help` load
 * neither zod nor the protocol schemas.
 */

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;

export function buildProgram(): Command {
  const program = new Command("iron")
    .description("Issue and manage budgeted agent tokens on an Iron Cage Control Panel.")
    .version(VERSION, "-V, --version", "print the version of iron")
    .option("--api-url <url>", "Control Panel URL (default: $IRON_API_URL, then api_url in ~/.iron/config.json, then http://localhost:3000)")
    .option("--insecure", "allow sending credentials over plain http to a host other than this machine")
    .option("--json", "print one JSON document for scripts instead of text")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError(true)
    .exitOverride();

  program.addHelpText(
    "after",
    examples(
      "iron login --api-key iron_sk_...                      # non-interactive, for scripts and CI",
      "iron token generate --budget 100 --agent researcher --expires 30d",
      "IRON_API_URL=https://panel.example.com iron token list",
      "iron status --json",
    ) +
      `\nEnvironment: IRON_API_URL (panel URL), IRON_API_KEY (use this key instead of ~/.iron/credentials), NO_COLOR.\n` +
      `Exit codes: 0 ok, 1 error, 2 usage, 3 panel unreachable, 4 not authenticated / not allowed, 5 rejected by the panel.\n`,
  );

  program
    .command("login")
    .description("Sign in to the panel and save an API key in ~/.iron/credentials (mode 0600)")
    .option("--api-key <key>", "an API key (iron_sk_...) to save; nothing is asked")
    .option("--email <email>", "sign in with this email (asked for when omitted)")
    .option("--password-stdin", "read the password from stdin instead of asking")
    .addHelpText(
      "after",
      examples(
        "iron login                                   # asks for email and password, creates an API key for this machine",
        "iron login --api-key iron_sk_... --api-url https://panel.example.com",
        "printf %s \"$PASSWORD\" | iron login --email ops@example.com --password-stdin",
      ) + "\nThe panel URL used is saved as the default for later commands.\n",
    )
    .action(async (_options, command: Command) => (await import("./commands/login.js")).login(command.optsWithGlobals()));

  program
    .command("logout")
    .description("Forget the API key for this panel (and revoke it if `iron login` created it)")
    .addHelpText("after", examples("iron logout", "iron logout --api-url https://panel.example.com"))
    .action(async (_options, command: Command) => (await import("./commands/logout.js")).logout(command.optsWithGlobals()));

  program
    .command("whoami")
    .description("Show the user the saved key (or IRON_API_KEY) belongs to")
    .addHelpText("after", examples("iron whoami", "iron whoami --json"))
    .action(async (_options, command: Command) => (await import("./commands/whoami.js")).whoami(command.optsWithGlobals()));

  program
    .command("status")
    .description("Show the panel's health, readiness and version (no login needed)")
    .addHelpText("after", examples("iron status", "IRON_API_URL=http://127.0.0.1:3000 iron status --json"))
    .action(async (_options, command: Command) => (await import("./commands/status.js")).status(command.optsWithGlobals()));

  const token = program
    .command("token")
    .description("Issue, list, inspect, top up and revoke agent tokens")
    .addHelpText("after", examples("iron token generate --budget 100", "iron token list", "iron token topup <id> --budget 25"));

  const manage = () => import("./commands/token-manage.js");

  token
    .command("generate")
    .description("Issue a token with a budget in US dollars; it is printed once and saved in ~/.iron/tokens")
    .requiredOption("--budget <usd>", "budget in US dollars, e.g. 100 or 2.5 (at most 6 decimals)")
    .option("--name <name>", "a label for people")
    .option("--agent <id>", "the agent id the token is for (default: a new random id)")
    .option("--expires <duration>", "lifetime, e.g. 90m, 12h, 30d, 1y (default: never)")
    .option("--no-save", "do not save the token in ~/.iron/tokens")
    .addHelpText(
      "after",
      examples(
        "iron token generate --budget 100",
        "iron token generate --budget 2.50 --agent researcher --name 'nightly run' --expires 30d",
        "TOKEN=$(iron token generate --budget 5 --no-save)      # only the token goes to stdout",
        "iron token generate --budget 100 --json | jq -r .token",
      ),
    )
    .action(async (_options, command: Command) => (await import("./commands/token-generate.js")).generateToken(command.optsWithGlobals()));

  token
    .command("list")
    .description("List tokens (newest first)")
    .option("--agent <id>", "only this agent's tokens")
    .option("--status <status>", "only tokens in this state: active, exhausted, revoked or expired")
    .option("--limit <n>", "at most this many tokens (default 50)")
    .addHelpText("after", examples("iron token list", "iron token list --agent researcher --status active", "iron token list --json --limit 1000"))
    .action(async (_options, command: Command) => (await manage()).listTokens(command.optsWithGlobals()));

  const idCommand = (name: string, description: string, example: string) =>
    token.command(name).description(description).argument("<id>", "the token id").addHelpText("after", examples(`iron token ${name} 0b6f6c1e-6f1e-4c1e-9b1e-0123456789ab${example}`));

  idCommand("show", "Show one token: budget, spend, status", "").action(async (id: string, _options, command: Command) =>
    (await manage()).showToken(id, command.optsWithGlobals()),
  );
  idCommand("revoke", "Revoke a token (it stops working at once) and drop it from ~/.iron/tokens", "").action(async (id: string, _options, command: Command) =>
    (await manage()).revokeToken(id, command.optsWithGlobals()),
  );
  idCommand("topup", "Add to a token's budget", " --budget 25")
    .requiredOption("--budget <usd>", "US dollars to add, e.g. 25 or 0.5")
    .action(async (id: string, _options, command: Command) => (await manage()).topupToken(id, command.optsWithGlobals()));

  program
    .command("usage")
    .description("Show spend and LLM calls by agent, model or day (default: the last 30 days)")
    .option("--agent <id>", "only this agent")
    .option("--since <time>", "from this date, date-time or duration ago (e.g. 2026-01-31, 7d)")
    .option("--until <time>", "up to this date, date-time or duration ago (default: now)")
    .option("--by <grouping>", "group by agent, model or day", "agent")
    .addHelpText("after", examples("iron usage", "iron usage --since 7d --by day", "iron usage --agent researcher --json"))
    .action(async (_options, command: Command) => (await import("./commands/usage.js")).usage(command.optsWithGlobals()));

  return program;
}
