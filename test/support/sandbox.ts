/**
 * Helpers for the sandbox tests: the launcher (built on demand), an unprivileged
 * uid of our own, throwaway directories, and running a command "outside" the sandbox
 * the same way it runs inside, for the escape suite's before/after comparisons.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const sandboxDir = fileURLToPath(new URL("../../services/sandbox/", import.meta.url));
export const launcher = join(sandboxDir, "iron-sandbox");

/** Builds the launcher if `npm run build` has not (CI always has). */
export function ensureLauncher(): string {
  if (!existsSync(launcher)) {
    const built = spawnSync("sh", [join(sandboxDir, "native/build.sh")], { encoding: "utf8" });
    if (built.status !== 0) throw new Error(`building iron-sandbox failed:\n${built.stderr}`);
  }
  return launcher;
}

/** Builds the TypeScript wrapper's dist/ if `npm run build` has not (the artifact packs it). */
export function ensureWrapperBuilt(): void {
  if (existsSync(join(sandboxDir, "dist/index.js"))) return;
  const built = spawnSync("npx", ["tsc", "-p", join(sandboxDir, "tsconfig.build.json")], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`building the sandbox wrapper failed:\n${built.stdout}${built.stderr}`);
}

/**
 * A uid no one else on the machine uses, so RLIMIT_NPROC (which counts every process of
 * the real uid) sees only this test file's processes.
 */
export const testUid = 61000 + (process.pid % 1000);

/** Everything a test runs lives in these; python and node from Debian's packages, never a shim. */
export const PYTHON = "/usr/bin/python3";
export const NODE = process.execPath;

const made: string[] = [];

/** A temp dir readable (0755) by the test uid, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `iron-sbx-${prefix}-`));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

/**
 * A temp dir where a setuid bit means something: os.tmpdir() unless it is mounted nosuid
 * (common for a tmpfs /tmp), else a directory beside this file (the checkout's filesystem).
 */
export function suidCapableTempDir(prefix: string): string {
  const nosuid = (dir: string) => /(^|,)nosuid(,|$)/.test(spawnSync("findmnt", ["-no", "OPTIONS", "-T", dir], { encoding: "utf8" }).stdout.trim());
  if (!nosuid(tmpdir())) return tempDir(prefix);
  const dir = mkdtempSync(join(fileURLToPath(new URL(".", import.meta.url)), `.iron-sbx-${prefix}-`));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without the sandbox, as root or (with uid) as the test uid via setpriv.
 * Asynchronous, so servers in the test process keep answering meanwhile.
 */
export function outside(command: string, args: string[], uid?: number): Promise<Outcome> {
  const env = { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8" };
  const [cmd, argv] =
    uid === undefined ? [command, args] : ["setpriv", ["--reuid", String(uid), "--regid", String(uid), "--clear-groups", "--", command, ...args]];
  const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Processes still running as uid (none may survive a sandboxed run). */
export function processesOf(uid: number): string[] {
  const ps = spawnSync("ps", ["-o", "pid=,comm=", "-u", String(uid)], { encoding: "utf8" });
  return ps.stdout.split("\n").filter((line) => line.trim() !== "");
}
