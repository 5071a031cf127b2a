/**
 * `npm run policy -- --stack <name> [--target <t>] [--json]`: the policy pack
 * (policy/) over the OFFLINE plan, as `pulumi preview --policy-pack policy/`
 * would judge it, without the Pulumi CLI or a cloud account. Exit 0 when no
 * mandatory rule is broken, 1 when one is, 2 on a usage error.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { STACK_NAMES } from "../infra/catalog.js";
import { TARGETS } from "../infra/config.js";
import { readStackFile } from "../infra/stack-file.js";
import { evaluate } from "../policy/lib/evaluate.js";
import { PACK } from "../policy/pack.js";
import { runProgramWithMocks } from "./lib/mock-program.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Options { stack: string; target?: string; set: string[]; json?: boolean }

/** `--set key=value`: the value as JSON when it parses (objects, booleans), else as a string. */
function overridesOf(opts: Options): Record<string, unknown> {
  const overrides: Record<string, unknown> = opts.target ? { target: opts.target } : {};
  for (const pair of opts.set) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CommanderError(2, "iron.policy.set", `error: --set takes key=value (an iron:* key without the prefix), not "${pair}"`);
    const raw = pair.slice(at + 1);
    try {
      overrides[pair.slice(0, at)] = JSON.parse(raw);
    } catch {
      overrides[pair.slice(0, at)] = raw;
    }
  }
  return overrides;
}

async function check(opts: Options): Promise<number> {
  if (!readStackFile(root, opts.stack)) {
    process.stderr.write(`error: unknown stack "${opts.stack}"; the stacks are: ${STACK_NAMES.join(", ")}\n`);
    return 2;
  }
  const run = await runProgramWithMocks({ root, stack: opts.stack, overrides: overridesOf(opts) });
  const { violations } = await evaluate(PACK, run.resources);
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
  if (opts.json) {
    process.stdout.write(JSON.stringify({ stack: opts.stack, resources: run.resources.length, policies: PACK.length, violations }, null, 2) + "\n");
  } else {
    const lines = [`Policy pack over the offline plan of ${opts.stack}: ${run.resources.length} resources, ${PACK.length} policies`];
    for (const v of violations) lines.push(`  ${v.enforcementLevel === "mandatory" ? "✗" : "!"} ${v.policy} (${v.enforcementLevel}) ${v.urn?.split("::").pop() ?? ""}: ${v.message}`);
    lines.push(mandatory.length === 0 ? `no mandatory violation${violations.length ? ` (${violations.length} advisory)` : ""}` : `${mandatory.length} mandatory violation(s): pulumi up --policy-pack policy/ would refuse this plan`);
    process.stdout.write(lines.join("\n") + "\n");
  }
  return mandatory.length === 0 ? 0 : 1;
}

const cli = new Command("policy")
  .description("judge the offline plan of a stack with the policy pack in policy/ (what `pulumi up --policy-pack policy/` enforces)")
  .requiredOption("--stack <name>", `stack to check: ${STACK_NAMES.join(", ")}`)
  .addOption(new Option("--target <target>", "override iron:target").choices([...TARGETS]))
  .option("--set <key=value>", "try a changed iron:* setting without editing the stack file (repeatable; JSON values such as aws={\"multiAz\":false})", (v: string, all: string[]) => [...all, v], [] as string[])
  .option("--json", "print one JSON document for scripts")
  .addHelpText("after", "\nNeeds the pack's own dependencies once: npm ci --prefix policy\n\nExamples:\n  $ npm run policy -- --stack full-platform --target aws\n  $ npm run policy -- --stack panel-clis --target aws --set 'aws={\"multiAz\":false}'\n  $ npm run policy -- --stack sandbox-only --json")
  .exitOverride();

try {
  cli.parse(process.argv);
  process.exitCode = await check(cli.opts<Options>());
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.code === "iron.policy.set") process.stderr.write(`${err.message}\n`);
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  }
  else {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
