/**
 * The real Pulumi CLI for tests: built from the Go module proxy by scripts/pulumi-toolchain (cached by version under
 * the test cache; CI builds it before `npm test`), run against a file backend with passphrase secrets, update
 * checks and plugin downloads off. Nothing here reaches a Pulumi service.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildTool, cacheRoot, resolveTools, type ToolResult } from "../../scripts/pulumi-toolchain/build.js";
import { repoRoot } from "./pulumi-mocks.js";

/** Builds (or finds cached) one toolchain binary; throws with the builder's reason when it cannot be had. */
export async function ensureToolchainBinary(binary: string): Promise<string> {
  const tool = (await resolveTools(repoRoot, cacheRoot())).find((t) => t.binary === binary);
  if (!tool) throw new Error(`the Pulumi toolchain has no binary ${binary}`);
  const result: ToolResult = await buildTool(tool, cacheRoot(), (line) => process.stderr.write(`[pulumi-toolchain] ${line}\n`));
  if (result.status === "blocked") throw new Error(`${binary} is blocked: ${result.module}: ${result.reason}`);
  if (result.status === "failed") throw new Error(`${binary} failed to build: ${result.reason}`);
  return result.path;
}

export interface PulumiRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A Pulumi workspace of its own: a copy of the project file and the shipped stack files, a file backend, a passphrase. */
export interface PulumiWorkspace {
  /** The project directory (Pulumi.yaml and stacks/ copied from the repo). */
  dir: string;
  passphrase: string;
  run(args: string[], input?: string): PulumiRun;
  /** Like run, but throws with the CLI's output on a non-zero exit. */
  must(args: string[], input?: string): string;
  remove(): void;
}

/**
 * Copies Pulumi.yaml and stacks/ into a temp project (the CLI writes each stack's encryption salt into its stack
 * file, which must not touch the checkout) and logs in to a file backend there.
 */
export function pulumiWorkspace(pulumi: string): PulumiWorkspace {
  const dir = mkdtempSync(join(tmpdir(), "iron-pulumi-"));
  const home = join(dir, ".pulumi-home");
  const state = join(dir, ".pulumi-state");
  mkdirSync(home);
  mkdirSync(state);
  cpSync(join(repoRoot, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  mkdirSync(join(dir, "stacks"));
  for (const file of readdirSync(join(repoRoot, "stacks"))) cpSync(join(repoRoot, "stacks", file), join(dir, "stacks", file));
  const passphrase = "iron-e2e-passphrase";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(pulumi)}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DIY_BACKEND_URL: undefined,
    PULUMI_ACCESS_TOKEN: undefined,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
  };
  const run = (args: string[], input?: string): PulumiRun => {
    const r = spawnSync(pulumi, [...args, "--non-interactive"], { cwd: dir, env, input, encoding: "utf8", timeout: 120_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  const must = (args: string[], input?: string) => {
    const r = run(args, input);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  must(["login", `file://${state}`]);
  return { dir, passphrase, run, must, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
