/**
 * verify-deps: the catalog's dependency matrix, a preflight that proves a
 * target can carry a stack before `pulumi up`, and a postflight that proves
 * the deployed stack works end to end after it.
 *
 *   npx tsx scripts/verify-deps.ts matrix [--json]
 *   npx tsx scripts/verify-deps.ts preflight --stack <name> [--target <t>] [--json]
 *   npx tsx scripts/verify-deps.ts postflight --stack <name> [--outputs <file>] [--call-model <model>] [--json]
 *
 * Exit codes: 0 nothing failed, 1 a check failed, 2 usage error.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { checkConfig, TARGETS } from "../infra/config.js";
import { readStackFile } from "../infra/stack-file.js";
import { preflightChecks, summarize } from "./preflight/checks.js";
import { formatMatrix, matrixReport } from "./preflight/matrix.js";
import { probeArtifacts, probeControlPanel, probeHost, probePostgres, probeRedis } from "./preflight/probes.js";
import { probeCluster } from "./preflight/kubernetes-probe.js";
import { formatChecks } from "./preflight/report.js";
import type { ServiceFacts } from "./preflight/facts.js";
import { OutputsError, readOutputs } from "./postflight/outputs.js";
import { postflightChecks } from "./postflight/run.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

class UsageError extends Error {}

function stacksIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1]).filter((s): s is string => !!s).sort();
}

interface PreflightOptions {
  stack: string;
  target?: string;
  json?: boolean;
  stacksDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  controlPanelUrl?: string;
}

async function preflight(opts: PreflightOptions): Promise<number> {
  const stacksDir = resolve(opts.stacksDir);
  const projectRoot = resolve(stacksDir, "..");
  const known = stacksIn(stacksDir);
  if (!known.includes(opts.stack)) {
    throw new UsageError(`unknown stack "${opts.stack}"; the stacks in ${relative(process.cwd(), stacksDir) || "."} are: ${known.join(", ")}`);
  }
  const file = readStackFile(projectRoot, opts.stack);
  if (!file) throw new UsageError(`cannot read the stack file for ${opts.stack}`);
  const raw = { ...file.iron };
  if (opts.target) raw.target = opts.target;
  if (opts.controlPanelUrl) raw.controlPanelUrl = opts.controlPanelUrl;
  const report = checkConfig(raw);

  if (!opts.json) process.stderr.write(`preflight: probing this host for stack ${opts.stack}…\n`);
  const panelUrl = report.config?.controlPanelUrl;
  const [host, postgres, redis, controlPanel, cluster] = await Promise.all([
    probeHost(root),
    opts.databaseUrl ? probePostgres(opts.databaseUrl) : undefined,
    opts.redisUrl ? probeRedis(opts.redisUrl) : undefined,
    panelUrl ? probeControlPanel(panelUrl) : undefined,
    report.config?.target === "kubernetes" ? probeCluster(report.config.kubernetes) : undefined,
  ]);
  const services: ServiceFacts = { postgres, redis, controlPanel };
  const checks = preflightChecks({
    stack: opts.stack, stackFile: relative(process.cwd(), file.path), report, host, services,
    artifacts: probeArtifacts(root, report.packages), cluster,
  });
  const summary = summarize(checks);
  if (opts.json) {
    const out = { stack: opts.stack, target: report.config?.target, packages: report.packages, checks, summary };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else {
    const target = report.config?.target ?? opts.target ?? "?";
    process.stdout.write(formatChecks(`Preflight for stack ${opts.stack} (target ${target}; packages: ${report.packages.join(", ") || "none"})`, checks) + "\n");
  }
  return summary.fail > 0 ? 1 : 0;
}

interface PostflightOptions {
  stack: string;
  outputs?: string;
  callModel?: string;
  json?: boolean;
  stacksDir: string;
}

async function postflight(opts: PostflightOptions): Promise<number> {
  const stacksDir = resolve(opts.stacksDir);
  const projectRoot = resolve(stacksDir, "..");
  const file = readStackFile(projectRoot, opts.stack);
  if (!file) throw new UsageError(`unknown stack "${opts.stack}"; the stacks in ${relative(process.cwd(), stacksDir) || "."} are: ${stacksIn(stacksDir).join(", ")}`);
  let outputs;
  try {
    outputs = await readOutputs(opts.stack, projectRoot, opts.outputs);
  } catch (err) {
    if (err instanceof OutputsError) throw new UsageError(err.message);
    throw err;
  }
  const config = checkConfig(file.iron).config;
  // As infra/platform.ts wires it: the runtime reports to a panel in the stack or at iron:controlPanelUrl, unless iron:telemetry is false.
  const telemetry = config?.telemetry !== false && (outputs.packages.includes("control-panel") || !!config?.controlPanelUrl);
  if (!opts.json) process.stderr.write(`postflight: checking the deployed stack ${opts.stack}…\n`);
  const checks = await postflightChecks({ stack: opts.stack, outputs, telemetry, callModel: opts.callModel });
  const summary = summarize(checks);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ stack: opts.stack, target: outputs.target, mode: outputs.mode, packages: outputs.packages, checks, summary }, null, 2) + "\n");
  } else {
    process.stdout.write(formatChecks(`Postflight for stack ${opts.stack} (target ${outputs.target}, mode ${outputs.mode}; packages: ${outputs.packages.join(", ") || "none"})`, checks) + "\n");
  }
  return summary.fail > 0 ? 1 : 0;
}

function program(): Command {
  const cli = new Command("verify-deps")
    .description("The Iron Cage package dependency matrix, a preflight that proves a target can carry a stack, and a postflight that proves a deployed stack works.")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");

  cli.command("matrix")
    .description("print the 6×6 dependency matrix, the independence summary and the install order, computed from infra/catalog.ts")
    .option("--json", "print one JSON document for scripts")
    .addHelpText("after", "\nExamples:\n  $ npx tsx scripts/verify-deps.ts matrix\n  $ npx tsx scripts/verify-deps.ts matrix --json | jq .installOrder")
    .action((opts: { json?: boolean }) => {
      const report = matrixReport();
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatMatrix(report)) + "\n");
    });

  cli.command("preflight")
    .description("check that a stack's config is valid, its dependencies hold, and this host and the services it points at meet every requirement")
    .requiredOption("--stack <name>", "stack to check (stacks/Pulumi.<name>.yaml)")
    .addOption(new Option("--target <target>", "override iron:target").choices([...TARGETS]))
    .option("--json", "print one JSON document for scripts")
    .option("--stacks-dir <dir>", "where the stack files are", resolve(root, "stacks"))
    .option("--database-url <url>", "also check an existing PostgreSQL (≥ 14)")
    .option("--redis-url <url>", "also check an existing Redis (≥ 6)")
    .option("--control-panel-url <url>", "override iron:controlPanelUrl; the panel must answer /healthz")
    .addHelpText("after", [
      "",
      "Each check prints ok / warn / fail with what was found and what is required; every",
      "non-ok line has a hint. Exit 0 when nothing failed, 1 when a check failed, 2 on usage errors.",
      "",
      "Examples:",
      "  $ npm run preflight -- --stack sandbox-only",
      "  $ npx tsx scripts/verify-deps.ts preflight --stack full-platform --target aws --json",
      "  $ npx tsx scripts/verify-deps.ts preflight --stack panel-clis --database-url postgres://iron@db:5432/iron",
    ].join("\n"))
    .action(async (opts: PreflightOptions) => {
      process.exitCode = await preflight(opts);
    });

  cli.command("postflight")
    .description("after pulumi up: check that every package the stack deployed works end to end, from the stack's outputs")
    .requiredOption("--stack <name>", "the deployed stack (stacks/Pulumi.<name>.yaml)")
    .option("--outputs <file>", "the stack's outputs as `pulumi stack output --json --show-secrets` printed them (default: run that command)")
    .option("--call-model <model>", "also make one real priced call through the runtime with this model (spends a little of its budget)")
    .option("--json", "print one JSON document for scripts")
    .option("--stacks-dir <dir>", "where the stack files are", resolve(root, "stacks"))
    .addHelpText("after", [
      "",
      "Per deployed package: the panel's /readyz and schema, admin sign-in with the output password,",
      "a $0.01 token issued, verified against the panel's keys and revoked; the runtime's /status",
      "(token verified and active, telemetry as configured) and, with --call-model, one priced call;",
      "the site and every /downloads/ file against SHA256SUMS; the sandbox nodes' probe (docker target:",
      "inside each sandbox container; elsewhere the command to run on a node).",
      "Exit 0 when nothing failed, 1 when a check failed, 2 on usage errors (no outputs, unknown stack).",
      "",
      "Examples:",
      "  $ npm run postflight -- --stack full-platform",
      "  $ pulumi stack output --json --show-secrets --stack agent-only > outputs.json",
      "  $ npx tsx scripts/verify-deps.ts postflight --stack agent-only --outputs outputs.json --call-model gpt-4o-mini --json",
    ].join("\n"))
    .action(async (opts: PostflightOptions) => {
      process.exitCode = await postflight(opts);
    });
  return cli;
}

try {
  await program().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; every other commander error is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
