/**
 * Probes this machine and the services the config points at. Every probe is
 * bounded in time and turns failure into a fact (never throws), so checks can
 * say what was found.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { homedir, release } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { Redis } from "ioredis";
import { PACKAGES, type PackageId } from "../../infra/catalog.js";
import type { ArtifactFacts, HostFacts, LandlockFact, ServiceFact, ServiceFacts, ToolFact } from "./facts.js";

const run = promisify(execFile);
const TIMEOUT_MS = 5000;

async function output(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, args, { timeout: TIMEOUT_MS, maxBuffer: 1 << 20 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** stdout of a command that may exit non-zero by design (iron-sandbox --probe exits 1 on an unfit node but still reports). */
async function reportOf(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, args, { timeout: TIMEOUT_MS, maxBuffer: 1 << 20 });
    return stdout.trim();
  } catch (err) {
    const stdout = (err as { stdout?: string }).stdout;
    return stdout ? stdout.trim() : undefined;
  }
}

async function errorOf(command: string, args: string[]): Promise<string> {
  try {
    await run(command, args, { timeout: TIMEOUT_MS });
    return "";
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") return `${command} not found on PATH`;
    return (e.stderr ?? e.message).trim().split("\n").slice(-1)[0] ?? e.message;
  }
}

export async function probePulumi(home = homedir()): Promise<ToolFact> {
  const onPath = await output("pulumi", ["version"]);
  if (onPath) return { found: true, version: onPath, detail: "on PATH" };
  const candidates = [join(home, ".pulumi", "bin", "pulumi")];
  const versions = join(home, ".pulumi", "versions");
  if (existsSync(versions)) for (const v of readdirSync(versions)) candidates.push(join(versions, v, "bin", "pulumi"));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const version = await output(path, ["version"]);
    if (version) return { found: true, version, detail: path };
  }
  return { found: false };
}

export async function probeDocker(): Promise<ToolFact> {
  const version = await output("docker", ["version", "--format", "{{.Server.Version}}"]);
  if (version) return { found: true, version };
  return { found: false, detail: (await errorOf("docker", ["version", "--format", "{{.Server.Version}}"])) || "the engine did not answer" };
}

export async function probeKubectl(): Promise<ToolFact & { context?: string }> {
  const client = await output("kubectl", ["version", "--client", "-o", "json"]);
  if (client === undefined) return { found: false, detail: "kubectl not found on PATH" };
  const context = await output("kubectl", ["config", "current-context"]);
  return { found: true, context: context || undefined };
}

export function probeAwsCredentials(env = process.env, home = homedir()): { credentials: boolean; source?: string } {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { credentials: true, source: "AWS_ACCESS_KEY_ID in env" };
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return { credentials: true, source: "AWS_WEB_IDENTITY_TOKEN_FILE in env" };
  if (env.AWS_PROFILE) return { credentials: true, source: `AWS_PROFILE=${env.AWS_PROFILE}` };
  for (const file of ["credentials", "config"]) {
    const path = join(home, ".aws", file);
    if (existsSync(path) && /^\[(profile )?[^\]]+\]/m.test(readFileSync(path, "utf8"))) return { credentials: true, source: path };
  }
  return { credentials: false };
}

/** Sandbox launcher locations, newest convention first. */
const SANDBOX_LAUNCHERS = ["services/sandbox/iron-sandbox", "services/sandbox/bin/iron-sandbox"];

const LANDLOCK_PY = [
  "import ctypes",
  "libc = ctypes.CDLL(None, use_errno=True)",
  "libc.syscall.restype = ctypes.c_long",
  // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): 444 on every architecture.
  "r = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))",
  "print(r if r >= 0 else -ctypes.get_errno())",
].join("\n");

export async function probeLandlock(root: string): Promise<LandlockFact> {
  for (const rel of SANDBOX_LAUNCHERS) {
    const path = join(root, rel);
    if (!existsSync(path)) continue;
    const out = await reportOf(path, ["--probe"]);
    try {
      const probe = JSON.parse(out ?? "") as { landlock_abi?: number };
      if (typeof probe.landlock_abi === "number") {
        return probe.landlock_abi >= 1 ? { status: "enabled", abi: probe.landlock_abi, source: `${rel} --probe` } : { status: "disabled", source: `${rel} --probe` };
      }
    } catch {
      /* fall through to the next probe */
    }
  }
  const py = await output("python3", ["-c", LANDLOCK_PY]);
  if (py !== undefined && /^-?\d+$/.test(py)) {
    const n = Number(py);
    const source = "landlock_create_ruleset via python3";
    if (n >= 1) return { status: "enabled", abi: n, source };
    if (n === -95) return { status: "disabled", source }; // EOPNOTSUPP: built in, not enabled at boot
    if (n === -38) return { status: "unsupported", source }; // ENOSYS
  }
  const lsm = "/sys/kernel/security/lsm";
  if (existsSync(lsm)) {
    const enabled = readFileSync(lsm, "utf8").split(",").includes("landlock");
    return { status: enabled ? "enabled" : "disabled", source: lsm };
  }
  return { status: "unknown", source: "no probe available" };
}

/** libseccomp's version from the real file behind the loader's libseccomp.so.2 (e.g. libseccomp.so.2.5.4). */
export async function probeLibseccomp(): Promise<string | undefined> {
  const cache = await output("ldconfig", ["-p"]) ?? await output("/sbin/ldconfig", ["-p"]);
  const paths = (cache ?? "").split("\n").filter((l) => l.includes("libseccomp.so.2")).map((l) => l.split("=>")[1]?.trim()).filter((p): p is string => !!p);
  for (const dir of ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib"]) {
    paths.push(join(dir, "libseccomp.so.2"));
  }
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const match = /libseccomp\.so\.(\d+\.\d+\.\d+)/.exec(realpathSync(path));
    if (match) return match[1];
  }
  return undefined;
}

export function probeGlibc(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}

export async function probeHost(root: string): Promise<HostFacts> {
  const [pulumi, docker, kubectl, landlock, libseccomp] = await Promise.all([
    probePulumi(), probeDocker(), probeKubectl(), probeLandlock(root), probeLibseccomp(),
  ]);
  return {
    platform: process.platform,
    node: process.versions.node,
    pulumi, docker, kubectl,
    aws: probeAwsCredentials(),
    kernel: process.platform === "linux" ? release() : undefined,
    landlock, libseccomp,
    glibc: probeGlibc(),
  };
}

/** The URL without its password, for output. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<invalid URL>";
  }
}

export async function probePostgres(url: string): Promise<ServiceFact> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { url: redact(url), version: rows[0]?.v };
  } catch (err) {
    return { url: redact(url), error: (err as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function probeRedis(url: string): Promise<ServiceFact> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const info = await client.info("server");
    return { url: redact(url), version: /redis_version:([^\r\n]+)/.exec(info)?.[1] };
  } catch (err) {
    return { url: redact(url), error: (err as Error).message };
  } finally {
    client.disconnect();
  }
}

export async function probeControlPanel(url: string): Promise<ServiceFacts["controlPanel"]> {
  const base = url.replace(/\/+$/, "");
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) return { url: base, healthy: false, error: `GET /healthz answered ${res.status}` };
    const version = await fetch(`${base}/version`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      .then(async (r) => (r.ok ? ((await r.json()) as { version?: string }).version : undefined))
      .catch(() => undefined);
    return { url: base, healthy: true, version };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { url: base, healthy: false, error: cause ?? (err as Error).message };
  }
}

export function probeArtifacts(root: string, packages: PackageId[]): ArtifactFacts {
  const facts: ArtifactFacts = {};
  for (const id of packages) {
    const artifact = PACKAGES[id].artifact;
    if (artifact) facts[id] = existsSync(join(root, artifact.path));
  }
  return facts;
}
