/**
 * `npx tsx scripts/pulumi-toolchain.ts [--only <binary...>] [--json]`: builds the Pulumi CLI, its Node.js language
 * host and the docker target's provider plugins from the Go module proxy alone, at the versions the npm packages
 * pin, into `<cache>/pulumi/<binary>@<version>/` (cache: IRON_TEST_CACHE, default /var/cache/iron-test).
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { runCli } from "./lib/run-cli.js";
import { buildTool, cacheRoot, resolveTools, type ToolResult } from "./pulumi-toolchain/build.js";
import { toolchainTools } from "./pulumi-toolchain/tools.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Options {
  only?: string[];
  json?: boolean;
  list?: boolean;
  printPath?: boolean;
}

function describe(r: ToolResult): string {
  switch (r.status) {
    case "built":
      return `built   ${r.binary} ${r.version}  ${r.path}  (${r.seconds}s)`;
    case "cached":
      return `cached  ${r.binary} ${r.version}  ${r.path}`;
    case "blocked":
      return `BLOCKED ${r.binary} ${r.version}  ${r.module}: ${r.reason}`;
    case "failed":
      return `FAILED  ${r.binary} ${r.version}\n${r.reason.replace(/^/gm, "        ")}`;
  }
}

async function main(opts: Options): Promise<number> {
  const known = toolchainTools(repoRoot).map((t) => t.binary);
  const unknown = (opts.only ?? []).filter((b) => !known.includes(b));
  if (unknown.length) {
    process.stderr.write(`error: unknown binary ${unknown.join(", ")}; the toolchain has: ${known.join(", ")}\n`);
    return 2;
  }
  const root = cacheRoot();
  const tools = (await resolveTools(repoRoot, root)).filter((t) => !opts.only?.length || opts.only.includes(t.binary));
  if (opts.list) {
    const rows = tools.map((t) => (t.kind === "go-command" ? { binary: t.binary, version: t.version, kind: t.kind, module: `${t.module}@${t.moduleVersion}`, package: t.package } : { binary: t.binary, version: t.version, kind: t.kind, module: `${t.providerModule}@${t.providerModuleVersion}`, upstream: t.upstreamModule }));
    process.stdout.write(opts.json ? JSON.stringify({ cache: root, tools: rows }, null, 2) + "\n" : rows.map((r) => `${r.binary} ${r.version}  ${r.kind}  ${r.module}`).join("\n") + "\n");
    return 0;
  }
  const progress = (line: string) => process.stderr.write(`[pulumi-toolchain] ${line}\n`);
  progress(`cache ${root}/pulumi (GOCACHE and GOMODCACHE as set for go)`);
  const results: ToolResult[] = [];
  for (const tool of tools) results.push(await buildTool(tool, root, progress));
  const dirs = results.flatMap((r) => (r.status === "built" || r.status === "cached" ? [dirname(r.path)] : []));
  if (opts.printPath) {
    for (const r of results) progress(describe(r).split("\n")[0]!);
    process.stdout.write(dirs.join(":") + "\n");
  } else if (opts.json) process.stdout.write(JSON.stringify({ cache: root, results }, null, 2) + "\n");
  else process.stdout.write(results.map(describe).join("\n") + "\n");
  if (results.some((r) => r.status === "failed")) return 1;
  return results.some((r) => r.status === "blocked") ? 3 : 0;
}

const cli = new Command("pulumi-toolchain")
  .description(
    "build the Pulumi CLI, pulumi-language-nodejs and the provider plugins from the Go module proxy (no other download),\n" +
      "at the versions of @pulumi/pulumi, @pulumi/docker and @pulumi/random in node_modules; each binary is cached by version",
  )
  .option("--only <binary...>", "build only these binaries (e.g. pulumi pulumi-language-nodejs)")
  .option("--list", "print the table of binaries, modules and versions without building")
  .option("--json", "print one JSON document for scripts")
  .option("--print-path", "print only the directories of the binaries that are built, joined with ':', for PATH")
  .addHelpText(
    "after",
    `
Where: <cache>/pulumi/<binary>@<version>/<binary>, <cache> = IRON_TEST_CACHE or /var/cache/iron-test.
Go: GO (default: go on PATH, then /usr/local/go/bin/go), GOCACHE, GOMODCACHE, GOPROXY and GOFLAGS (default -p=2) as usual.
Exit: 0 all built or cached, 3 some binary is blocked (the proxy refuses a module it needs; named in the output), 1 a build failed.

Use the result: put the directories on PATH, log in to a local backend and turn downloads off:
  $ export PATH="$(npx tsx scripts/pulumi-toolchain.ts --print-path):$PATH"
  $ export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_CONFIG_PASSPHRASE=…
  $ pulumi login file://$HOME/.pulumi-state

Examples:
  $ npx tsx scripts/pulumi-toolchain.ts --list
  $ npx tsx scripts/pulumi-toolchain.ts --only pulumi --json`,
  )
  .exitOverride();

await runCli(cli, main);
