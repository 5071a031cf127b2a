/** The go command, run for the toolchain builder: niced, two parallel jobs unless GOFLAGS says otherwise. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export interface GoRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The go binary: GO if set, else the one on PATH, else the standard install location. */
export function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(`${dir}/go`)) return `${dir}/go`;
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  throw new Error("no go command: install Go (1.25 or newer) or set GO=/path/to/go");
}

export function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOFLAGS: process.env.GOFLAGS ?? "-p=2 -modcacherw",
    // Build with the Go that is installed; never fetch another toolchain behind the operator's back.
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local",
  };
}

/** Runs `go <args>` in `cwd` under `nice -n 10`. */
export function runGo(args: string[], cwd: string): Promise<GoRun> {
  const child = spawn("nice", ["-n", "10", goBinary(), ...args], { cwd, env: goEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Why the module proxy refused or failed a module, in one line (the go command's own words). */
export class ModuleUnavailableError extends Error {
  constructor(
    readonly module: string,
    readonly version: string,
    readonly reason: string,
  ) {
    super(`${module}@${version} cannot be fetched from the Go module proxy: ${reason}`);
  }
}

export interface DownloadedModule {
  version: string;
  /** The commit time and hash the proxy reports for the version (absent for some proxies). */
  time?: string;
  hash?: string;
}

/** `go mod download -json module@version`: fetches it into GOMODCACHE, or throws ModuleUnavailableError. */
export async function downloadModule(module: string, version: string, cwd: string): Promise<DownloadedModule> {
  const r = await runGo(["mod", "download", "-json", `${module}@${version}`], cwd);
  let parsed: { Version?: string; Info?: string; Error?: string; Origin?: { Hash?: string } } = {};
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch {
    // no JSON: fall through to the exit status and stderr
  }
  if (parsed.Error || r.status !== 0) {
    const reason = (parsed.Error ?? r.stderr).split("\n").map((l) => l.trim()).filter(Boolean);
    throw new ModuleUnavailableError(module, version, reason.slice(-2).join(" ") || `go mod download exited ${r.status}`);
  }
  let time: string | undefined;
  if (parsed.Info && existsSync(parsed.Info)) time = (JSON.parse(readFileSync(parsed.Info, "utf8")) as { Time?: string }).Time;
  return { version: parsed.Version ?? version, time, hash: parsed.Origin?.Hash };
}
