/**
 * `npm run plan -- --stack <name> [--target <t>] [--json | --manifests]`: an OFFLINE plan.
 * Runs the Pulumi program under Pulumi's mock runtime (no engine, no cloud
 * credentials, nothing created) and prints what `pulumi up` would deploy,
 * grouped by package in install order.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { DOWNLOADED_PACKAGES, PACKAGES, STACK_NAMES, type PackageId } from "../infra/catalog.js";
import { ARTIFACTS } from "../infra/artifacts.js";
import { TARGETS } from "../infra/config.js";
import { readStackFile } from "../infra/stack-file.js";
import { kubernetesManifests } from "./lib/manifests.js";
import { runProgramWithMocks, type CapturedResource } from "./lib/mock-program.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Options { stack: string; target?: string; json?: boolean; manifests?: boolean }

/** The package a resource belongs to: its `iron/package` label, else the package its name starts with (blocks are named so). */
function packageOf(resource: CapturedResource, packages: PackageId[]): PackageId | "shared" {
  const labels = resource.inputs.labels;
  const tagged = Array.isArray(labels) ? (labels as { label?: string; value?: string }[]).find((l) => l.label === "iron/package")?.value : undefined;
  if (tagged && packages.includes(tagged as PackageId)) return tagged as PackageId;
  return [...packages].sort((a, b) => b.length - a.length).find((p) => resource.name.startsWith(p)) ?? "shared";
}

async function plan(opts: Options): Promise<number> {
  if (!readStackFile(root, opts.stack)) {
    process.stderr.write(`error: unknown stack "${opts.stack}"; the stacks are: ${STACK_NAMES.join(", ")}\n`);
    return 2;
  }
  const result = await runProgramWithMocks({ root, stack: opts.stack, overrides: opts.target ? { target: opts.target } : {} });
  if (opts.manifests) {
    if (result.outputs.target !== "kubernetes") {
      process.stderr.write(`error: --manifests renders Kubernetes objects; stack ${opts.stack} deploys to target ${String(result.outputs.target)} (add --target kubernetes)\n`);
      return 2;
    }
    process.stdout.write(kubernetesManifests(result.resources));
    return 0;
  }
  const order = (result.outputs.installOrder ?? []) as PackageId[];
  const resources = result.resources.map((r) => ({ type: r.type, name: r.name, package: packageOf(r, order), inputs: r.inputs }));
  const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, result.secretOutputs.includes(k) ? "[secret]" : v]));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ plan: "offline (Pulumi mock runtime; nothing was created)", stack: opts.stack, installOrder: order, resources, outputs }, null, 2) + "\n");
    return 0;
  }
  const lines = [`Offline plan for stack ${opts.stack} (Pulumi mock runtime: no cloud calls, nothing created)`, ""];
  for (const id of [...order, "shared" as const]) {
    const mine = resources.filter((r) => r.package === id);
    if (id === "shared" && mine.length === 0) continue;
    lines.push(id === "shared" ? "shared" : `${order.indexOf(id) + 1}. ${PACKAGES[id].name} (${id})`);
    if (mine.length === 0) lines.push(DOWNLOADED_PACKAGES.includes(id as PackageId) ? `   (no resources of its own: served from ${ARTIFACTS.downloadsDir} under /downloads/, see above)` : "   (no resources on this target yet)");
    for (const r of mine) lines.push(`   + ${r.type}  ${r.name}`);
  }
  lines.push("", "Outputs:", ...Object.entries(outputs).map(([k, v]) => `   ${k}: ${JSON.stringify(v)}`));
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

const cli = new Command("plan")
  .description("print what `pulumi up --stack <name>` would create, computed offline under Pulumi's mock runtime")
  .requiredOption("--stack <name>", `stack to plan: ${STACK_NAMES.join(", ")}`)
  .addOption(new Option("--target <target>", "override iron:target").choices([...TARGETS]))
  .option("--json", "print one JSON document for scripts")
  .option("--manifests", "kubernetes target: print the Kubernetes objects as YAML for review (secret values shown as [secret])")
  .addHelpText("after", "\nExamples:\n  $ npm run plan -- --stack full-platform\n  $ npm run plan -- --stack sandbox-only --target aws --json\n  $ npm run plan -- --stack full-platform --target kubernetes --manifests > manifests.yaml")
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
