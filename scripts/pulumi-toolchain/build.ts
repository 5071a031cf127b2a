/**
 * Builds the toolchain's binaries into `<cache>/pulumi/<binary>@<version>/`, one directory per binary and version.
 * Each is built in a work directory under a lock, moved into place only when complete (a finished entry carries
 * build.json), and reused by every later run. GOCACHE and GOMODCACHE are Go's own and are respected as set.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { downloadModule, goBinary, ModuleUnavailableError, runGo } from "./go.js";
import { PULUMI_SDK_MODULE, SDK_RELEASE_COMMITS, toolchainTools, type BridgedProviderTool, type GoCommandTool, type Tool } from "./tools.js";

/** Where the test caches live (the same root test/support/test-cache.ts uses). */
export const cacheRoot = () => process.env.IRON_TEST_CACHE ?? "/var/cache/iron-test";

export type ToolResult =
  | { binary: string; version: string; status: "built" | "cached"; path: string; seconds: number }
  | { binary: string; version: string; status: "blocked"; module: string; reason: string }
  | { binary: string; version: string; status: "failed"; reason: string };

export interface BuildRecord {
  binary: string;
  version: string;
  module: string;
  moduleVersion: string;
  go: string;
  seconds: number;
  builtAt: string;
}

export type Progress = (line: string) => void;

/** The directory a built binary lives in (its PATH entry). */
export const toolDir = (root: string, tool: Pick<Tool, "binary" | "version">) => join(root, "pulumi", `${tool.binary}@${tool.version}`);

/** A finished entry's record, or undefined when the binary was never built (or only partly). */
export function readBuildRecord(root: string, tool: Pick<Tool, "binary" | "version">): BuildRecord | undefined {
  const dir = toolDir(root, tool);
  if (!existsSync(join(dir, "build.json")) || !existsSync(join(dir, tool.binary))) return undefined;
  return JSON.parse(readFileSync(join(dir, "build.json"), "utf8")) as BuildRecord;
}

function goMod(tool: GoCommandTool): string {
  const lines = [`module iron.local/pulumi-toolchain/${tool.binary}`, "", "go 1.25", ""];
  const requires = { [tool.module]: tool.moduleVersion, ...tool.alsoRequire };
  lines.push("require (", ...Object.entries(requires).map(([m, v]) => `\t${m} ${v}`), ")", "");
  const replaces = Object.entries(tool.replace ?? {});
  if (replaces.length) lines.push("replace (", ...replaces.map(([from, to]) => `\t${from} => ${to}`), ")", "");
  return lines.join("\n");
}

/** Keeps the main package in the build list for `go mod tidy` (never compiled into anything). */
const toolsGo = (tool: GoCommandTool) => `//go:build tools\n\npackage tools\n\nimport _ "${tool.package}"\n`;

const tail = (text: string, lines = 12) => text.trim().split("\n").slice(-lines).join("\n");

/** Go's error lines naming the module (or package) that stopped a step, shortened to what an operator can act on. */
function goFailure(step: string, tool: GoCommandTool, stderr: string): Error {
  return new Error(`${tool.binary}: ${step} of ${tool.module}@${tool.moduleVersion} failed:\n${tail(stderr)}`);
}

async function buildGoCommand(tool: GoCommandTool, root: string, progress: Progress): Promise<string> {
  const started = Date.now();
  const work = join(root, "pulumi", ".work", `${tool.binary}@${tool.version}.${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    progress(`${tool.binary} ${tool.version}: fetching ${tool.module}@${tool.moduleVersion}`);
    await downloadModule(tool.module, tool.moduleVersion, work);
    writeFileSync(join(work, "go.mod"), goMod(tool));
    writeFileSync(join(work, "tools.go"), toolsGo(tool));
    progress(`${tool.binary} ${tool.version}: resolving its dependencies (go mod tidy; a cold module cache takes minutes)`);
    const tidy = await runGo(["mod", "tidy"], work);
    if (tidy.status !== 0) throw goFailure("go mod tidy", tool, tidy.stderr);
    progress(`${tool.binary} ${tool.version}: compiling ${tool.package} (nice -n 10)`);
    const out = join(work, "out");
    mkdirSync(out);
    const tags = tool.tags?.length ? ["-tags", tool.tags.join(",")] : [];
    const flags = ["build", "-trimpath", ...tags, "-ldflags", `-s -w ${tool.ldflags ?? ""}`.trim(), "-o", join(out, tool.binary), tool.package];
    const build = await runGo(flags, work);
    if (build.status !== 0) throw goFailure("go build", tool, build.stderr);
    const goVersion = (await runGo(["env", "GOVERSION"], work)).stdout.trim();
    const seconds = Math.round((Date.now() - started) / 1000);
    const record: BuildRecord = { binary: tool.binary, version: tool.version, module: tool.module, moduleVersion: tool.moduleVersion, go: goVersion, seconds, builtAt: new Date().toISOString() };
    writeFileSync(join(out, "build.json"), JSON.stringify(record, null, 2) + "\n");
    writeFileSync(join(out, "go.mod"), readFileSync(join(work, "go.mod")));
    const dest = toolDir(root, tool);
    rmSync(dest, { recursive: true, force: true });
    renameSync(out, dest);
    return dest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A bridged provider needs its Pulumi provider module (ProviderInfo, schema, bridge metadata) and the upstream
 * Terraform provider. The builder fetches both first; when either is refused, that module is what blocks it.
 */
async function buildBridged(tool: BridgedProviderTool, root: string, progress: Progress): Promise<never> {
  const work = join(root, "pulumi", ".work", `${tool.binary}@${tool.version}.${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    progress(`${tool.binary} ${tool.version}: fetching ${tool.providerModule}@${tool.providerModuleVersion}`);
    await downloadModule(tool.providerModule, tool.providerModuleVersion, work);
    throw new Error(
      `${tool.providerModule}@${tool.providerModuleVersion} is now served, but the bridge wrapper for ${tool.binary} is not written yet ` +
        `(a shim module exposing ${tool.upstreamModule}, a main calling the bridge, the module's schema.json); see notes/issue-16.md`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Holds `<cache>/pulumi/<binary>@<version>.lock` while `fn` runs (flock, so concurrent builders wait for each other). */
async function underLock<T>(root: string, tool: Tool, fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(root, "pulumi"), { recursive: true });
  const lockFile = join(root, "pulumi", `${tool.binary}@${tool.version}.lock`);
  // flock holds the lock for as long as its child (a shell reading our stdin) lives; we end it when done.
  const holder = spawn("flock", [lockFile, "sh", "-c", "echo locked; read _"], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    holder.on("error", reject);
    holder.on("exit", (code) => reject(new Error(`flock ${lockFile} exited ${code} before taking the lock`)));
    holder.stdout.once("data", () => resolve());
  });
  try {
    return await fn();
  } finally {
    holder.removeAllListeners("exit");
    holder.stdin.end("\n");
  }
}

/** Builds one tool (or finds it cached). Never throws: a refused module or a failed step is a result. */
export async function buildTool(tool: Tool, root: string, progress: Progress): Promise<ToolResult> {
  const { binary, version } = tool;
  const cached = readBuildRecord(root, tool);
  if (cached) return { binary, version, status: "cached", path: join(toolDir(root, tool), binary), seconds: 0 };
  const started = Date.now();
  try {
    return await underLock(root, tool, async () => {
      if (readBuildRecord(root, tool)) return { binary, version, status: "cached" as const, path: join(toolDir(root, tool), binary), seconds: 0 };
      if (tool.kind === "bridged") await buildBridged(tool, root, progress);
      const dir = await buildGoCommand(tool as GoCommandTool, root, progress);
      const seconds = Math.round((Date.now() - started) / 1000);
      progress(`${binary} ${version}: built in ${seconds}s -> ${join(dir, binary)}`);
      return { binary, version, status: "built" as const, path: join(dir, binary), seconds };
    });
  } catch (err) {
    if (err instanceof ModuleUnavailableError) {
      progress(`${binary} ${version}: BLOCKED: ${err.message}`);
      return { binary, version, status: "blocked", module: `${err.module}@${err.version}`, reason: err.reason };
    }
    const reason = err instanceof Error ? err.message : String(err);
    progress(`${binary} ${version}: FAILED: ${reason}`);
    return { binary, version, status: "failed", reason };
  }
}

/**
 * The toolchain for the checkout at `repoRoot`, with the Node.js host's pseudo-version resolved from the proxy's
 * record of the SDK release commit.
 */
export async function resolveTools(repoRoot: string, root: string): Promise<Tool[]> {
  goBinary();
  const unresolved = toolchainTools(repoRoot);
  const sdkVersion = `v${unresolved[0]!.version}`;
  const probeDir = join(root, "pulumi", ".work", `resolve.${process.pid}`);
  mkdirSync(probeDir, { recursive: true });
  try {
    const sdk = await downloadModule(PULUMI_SDK_MODULE, sdkVersion, probeDir);
    const hash = sdk.hash ?? SDK_RELEASE_COMMITS[sdkVersion];
    if (!sdk.time || !hash) return unresolved;
    return toolchainTools(repoRoot, { time: sdk.time, hash });
  } catch (err) {
    if (err instanceof ModuleUnavailableError) return unresolved;
    throw err;
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
}
