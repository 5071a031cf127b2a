/**
 * `npm run plan -- --stack <name> [--target <t>] [--config key=value]… [--config-file <yaml>] [--json | --manifests]`:
 * an OFFLINE plan. Runs the Pulumi program under Pulumi's mock runtime (no
 * engine, no cloud credentials, nothing created) and prints what `pulumi up`
 * would deploy, grouped by package in install order. Config given here is laid
 * over the stack file and validated exactly like it.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { DOWNLOADED_PACKAGES, PACKAGES, STACK_NAMES, type PackageId } from "../infra/catalog.js";
import { ARTIFACTS } from "../infra/artifacts.js";
import { checkConfig, ConfigError, SECRET_CONFIG_KEYS, TARGETS } from "../infra/config.js";
import { readStackFile } from "../infra/stack-file.js";
import { kubernetesManifests } from "./lib/manifests.js";
import { applyOverrides, OverrideError, parseConfigFlag, readConfigFile, type ConfigOverride } from "./lib/config-overrides.js";
import { redactSecrets, runProgramWithMocks, type CapturedResource } from "./lib/mock-program.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Options { stack: string; target?: string; config: string[]; configFile?: string; json?: boolean; manifests?: boolean }

/** The package a resource belongs to: its `iron/package` label, else the package its name starts with (blocks are named so). */
function packageOf(resource: CapturedResource, packages: PackageId[]): PackageId | "shared" {
  const labels = resource.inputs.labels;
  const tagged = Array.isArray(labels) ? (labels as { label?: string; value?: string }[]).find((l) => l.label === "iron/package")?.value : undefined;
  if (tagged && packages.includes(tagged as PackageId)) return tagged as PackageId;
  return [...packages].sort((a, b) => b.length - a.length).find((p) => resource.name.startsWith(p)) ?? "shared";
}

/** The config values given, with secret keys' values hidden. */
function printable(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, (SECRET_CONFIG_KEYS as readonly string[]).includes(k) ? "[secret]" : v]));
}

async function plan(opts: Options): Promise<number> {
  const file = readStackFile(root, opts.stack);
  if (!file) {
    process.stderr.write(`error: unknown stack "${opts.stack}"; the stacks are: ${STACK_NAMES.join(", ")}\n`);
    return 2;
  }
  let iron: Record<string, unknown>;
  try {
    const overrides: ConfigOverride[] = [...(opts.configFile ? readConfigFile(opts.configFile) : []), ...opts.config.map(parseConfigFlag)];
    if (opts.target) overrides.push({ path: ["target"], value: opts.target, source: "--target" });
    iron = applyOverrides(file.iron, overrides);
  } catch (err) {
    if (!(err instanceof OverrideError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  // The same validation the program runs (infra/config.ts), before anything runs.
  const report = checkConfig(iron);
  const problems = [...report.problems, ...report.violations];
  if (problems.length > 0) {
    const given = opts.config.length > 0 || opts.configFile ? " with the --config / --config-file values laid over it" : "";
    process.stderr.write(`error: ${new ConfigError(opts.stack, problems).message.replace(/^(\S+) has/, `$1${given} has`)}\n`);
    return 2;
  }
  const changed = Object.fromEntries(Object.keys(iron).filter((k) => JSON.stringify(iron[k]) !== JSON.stringify(file.iron[k])).map((k) => [k, iron[k]]));
  const result = await runProgramWithMocks({ root, stack: opts.stack, overrides: changed });
  const warnings = result.warnings ?? [];
  if (opts.manifests) {
    if (result.outputs.target !== "kubernetes") {
      process.stderr.write(`error: --manifests renders Kubernetes objects; stack ${opts.stack} deploys to target ${String(result.outputs.target)} (add --target kubernetes)\n`);
      return 2;
    }
    process.stdout.write(kubernetesManifests(result.resources));
    return 0;
  }
  const order = (result.outputs.installOrder ?? []) as PackageId[];
  // Secrets stay out of what plan prints (generated ones are mock values here, but a --config value may be real).
  const resources = result.resources.map((r) => ({ type: r.type, name: r.name, package: packageOf(r, order), inputs: redactSecrets(r.inputs) as Record<string, unknown> }));
  const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, result.secretOutputs.includes(k) ? "[secret]" : v]));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ plan: "offline (Pulumi mock runtime; nothing was created)", stack: opts.stack, config: printable(changed), installOrder: order, resources, outputs, warnings }, null, 2) + "\n");
    return 0;
  }
  const lines = [`Offline plan for stack ${opts.stack} (Pulumi mock runtime: no cloud calls, nothing created)`, ""];
  for (const id of [...order, "shared" as const]) {
    const mine = resources.filter((r) => r.package === id);
    if (id === "shared" && mine.length === 0) continue;
    lines.push(id === "shared" ? "shared" : `${order.indexOf(id) + 1}. ${PACKAGES[id].name} (${id})`);
    const waiting = id === "shared" ? undefined : warnings.find((w) => w.startsWith(`${PACKAGES[id].name}: `));
    if (mine.length === 0 && waiting) lines.push(`   waiting: ${waiting.slice(PACKAGES[id as PackageId].name.length + 2)}`);
    else if (mine.length === 0) lines.push(DOWNLOADED_PACKAGES.includes(id as PackageId) ? `   (no resources of its own: served from ${ARTIFACTS.downloadsDir} under /downloads/, see above)` : "   (no resources on this target yet)");
    for (const r of mine) lines.push(`   + ${r.type}  ${r.name}`);
  }
  lines.push("", "Outputs:", ...Object.entries(outputs).map(([k, v]) => `   ${k}: ${JSON.stringify(v)}`));
  if (warnings.length > 0) lines.push("", "Warnings (pulumi up prints them too):", ...warnings.map((w) => `   ${w}`));
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

const cli = new Command("plan")
  .description("print what `pulumi up --stack <name>` would create, computed offline under Pulumi's mock runtime")
  .requiredOption("--stack <name>", `stack to plan: ${STACK_NAMES.join(", ")}`)
  .addOption(new Option("--target <target>", "override iron:target").choices([...TARGETS]))
  .option("--config <key=value>", "set a config value as `pulumi config set [--path]` would (iron: optional; dotted paths into maps); repeatable", (pair: string, all: string[]) => [...all, pair], [])
  .option("--config-file <yaml>", "lay a YAML file of keys over the stack file (shaped like a stack file's config: section); --config wins over it")
  .option("--json", "print one JSON document for scripts")
  .option("--manifests", "kubernetes target: print the Kubernetes objects as YAML for review (secret values shown as [secret])")
  .addHelpText("after", [
    "",
    "Values are validated exactly like the stack file's (infra/config.ts): a bad one names the key and",
    "what is allowed, and the exit code is 2. Exit 1 when the program itself fails, 0 otherwise.",
    "",
    "Examples:",
    "  $ npm run plan -- --stack full-platform",
    "  $ npm run plan -- --stack sandbox-only --target aws --json",
    "  $ npm run plan -- --stack agent-only --config agentBudget=25 --config iron:sandboxNodes.count=2",
    "  $ npm run plan -- --stack panel-clis --config-file my-settings.yaml",
    "  $ npm run plan -- --stack full-platform --target kubernetes --manifests > manifests.yaml",
  ].join("\n"))
  .exitOverride();

try {
  cli.parse(process.argv);
  process.exitCode = await plan(cli.opts<Options>());
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
