import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { z } from "zod";
import { launcherPath } from "./launcher.js";
import { limitHit, type LimitHit } from "./limit-hit.js";
import { ProfileNameSchema, SandboxPolicySchema, type PolicyInput, type ProfileName, type SandboxPolicy } from "./policy.js";
import { resolvePolicy } from "./profiles.js";
import { LauncherStatusSchema, type LauncherStatus } from "./status.js";

export interface RunOptions {
  /** Written to the program's stdin (which is then closed). */
  stdin?: string | Buffer;
  /** The program's whole environment. Default: PATH and LANG only (HOME and TMPDIR point at the private temp dir). */
  env?: Record<string, string>;
  /** Wall-clock limit: SIGTERM to everything in the sandbox, SIGKILL 2 s later. */
  timeoutMs?: number;
  /** Run as this user and group (the caller must be root). Needed for the process limit to bind. */
  uid?: number | string;
  gid?: number | string;
  /** Output kept per stream; the rest is dropped (the program is not stopped). Default 8 MiB. */
  maxOutputBytes?: number;
  /** Use at most this Landlock ABI, to see what an older kernel would enforce. */
  landlockAbi?: number;
  /** Path of the iron-sandbox launcher; default launcherPath(). */
  launcher?: string;
}

export interface SandboxResult {
  /** False when the sandbox could not be set up; see setupError. */
  started: boolean;
  exitCode: number | null;
  /** Signal name (SIGKILL, SIGXCPU...) when the program was killed by one. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Which limit ended the program, when one did (memory and processes are inferred from its error output). */
  limitHit: LimitHit | null;
  setupError: { stage: string; message: string; exitCode: number } | null;
  landlockAbi: number;
  /** Protections the kernel could not enforce for this run. */
  unenforced: string[];
  cpuMs: number | null;
  policy: SandboxPolicy;
}

const DEFAULT_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8" };

const NoNul = z.string().refine((s) => !s.includes("\0"), "must not contain NUL");
const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^[a-z_][a-z0-9_-]*$/i, "a user or group name")]);
const RunOptionsSchema = z
  .object({
    stdin: z.union([z.string(), z.instanceof(Buffer)]).optional(),
    env: z.record(NoNul, NoNul).optional(),
    timeoutMs: z.number().int().positive().optional(),
    uid: Id.optional(),
    gid: Id.optional(),
    maxOutputBytes: z.number().int().positive().optional(),
    landlockAbi: z.number().int().min(1).optional(),
    launcher: z.string().min(1).optional(),
  })
  .strict();
const CommandSchema = z.tuple([NoNul.min(1, "the command must not be empty"), z.array(NoNul)]);

function toPolicy(policy: PolicyInput | SandboxPolicy | ProfileName | undefined): SandboxPolicy {
  if (typeof policy === "string") return resolvePolicy({ profile: ProfileNameSchema.parse(policy) });
  const complete = SandboxPolicySchema.safeParse(policy);
  return complete.success ? complete.data : resolvePolicy(policy as PolicyInput | undefined);
}

function collect(stream: Readable, limit: number): () => string {
  const chunks: Buffer[] = [];
  let kept = 0;
  stream.on("data", (chunk: Buffer) => {
    if (kept >= limit) return;
    const part = chunk.subarray(0, limit - kept);
    chunks.push(part);
    kept += part.length;
  });
  return () => Buffer.concat(chunks).toString("utf8");
}

function launcherArgs(policyFile: string, command: string, args: string[], options: RunOptions): string[] {
  const out = ["--policy", policyFile, "--status-fd", "3", "--quiet"];
  if (options.uid !== undefined) out.push("--uid", String(options.uid));
  if (options.gid !== undefined) out.push("--gid", String(options.gid));
  if (options.landlockAbi !== undefined) out.push("--landlock-abi", String(options.landlockAbi));
  return [...out, "--", command, ...args];
}

/**
 * Runs `command args` inside the sandbox and waits for it. Network is off unless the
 * policy turns it on. Resolves (never rejects) once the program and everything it started
 * are gone; it throws only for bad arguments (a ZodError) or a missing launcher.
 */
export async function runSandboxed(
  command: string,
  args: string[] = [],
  policy?: PolicyInput | SandboxPolicy | ProfileName,
  options: RunOptions = {},
): Promise<SandboxResult> {
  CommandSchema.parse([command, args]);
  RunOptionsSchema.parse(options);
  const resolved = toPolicy(policy);
  const launcher = options.launcher ?? launcherPath();
  const dir = await mkdtemp(join(tmpdir(), "iron-policy-"));
  try {
    const policyFile = join(dir, "policy.json");
    await writeFile(policyFile, JSON.stringify(resolved), { mode: 0o600 });
    const child = spawn(launcher, launcherArgs(policyFile, command, args, options), {
      env: options.env ?? DEFAULT_ENV,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    const limit = options.maxOutputBytes ?? 8 * 1024 * 1024;
    const stdout = collect(child.stdout, limit);
    const stderr = collect(child.stderr, limit);
    const statusText = collect(child.stdio[3] as Readable, 64 * 1024);
    child.stdin.on("error", () => {}); // the program may exit without reading its input
    child.stdin.end(options.stdin ?? "");

    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          child.kill("SIGTERM");
          timers.push(setTimeout(() => child.kill("SIGKILL"), 2000));
        }, options.timeoutMs),
      );
    }
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c, s) => resolve([c, s]));
    });
    timers.forEach(clearTimeout);
    return summarize(resolved, statusText(), stdout(), stderr(), timedOut, code, signal);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(
  policy: SandboxPolicy,
  statusLine: string,
  stdout: string,
  stderr: string,
  timedOut: boolean,
  code: number | null,
  signal: NodeJS.Signals | null,
): SandboxResult {
  const status: LauncherStatus = parseStatus(statusLine) ?? {
    // The launcher rejected its arguments (or died) before it could report.
    started: false,
    stage: "policy",
    error: stderr.trim() || `launcher ended with ${signal ?? code}`,
    exit_code: code ?? -1,
    landlock_abi: 0,
    unenforced: [],
    workdir: null,
  };
  const common = { stdout, stderr, landlockAbi: status.landlock_abi, unenforced: status.unenforced, policy };
  if (!status.started) {
    return {
      ...common,
      started: false,
      exitCode: null,
      signal: null,
      limitHit: timedOut ? "wall_time" : null,
      setupError: { stage: status.stage, message: status.error, exitCode: status.exit_code },
      cpuMs: null,
    };
  }
  return {
    ...common,
    started: true,
    exitCode: status.exit_code,
    signal: status.signal,
    limitHit: limitHit(status, policy, stderr, timedOut),
    setupError: null,
    cpuMs: status.cpu_ms,
  };
}

function parseStatus(line: string): LauncherStatus | undefined {
  try {
    const parsed = LauncherStatusSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
