import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";
import { startProcess, waitFor, type RunningProcess } from "./processes.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunningPilot {
  process: RunningProcess;
  panelUrl: string;
  runtimeUrl: string;
  siteUrl: string;
  postgresPid: number;
  /** Printed on the first start only. */
  admin: { email: string; password: string } | undefined;
}

export interface PilotPorts {
  panel: number;
  runtime: number;
  site: number;
}

export async function pilotPorts(): Promise<PilotPorts> {
  return { panel: await freePort(), runtime: await freePort(), site: await freePort() };
}

/** `npm run pilot` as a user runs it (from sources, in its own process group), on the given ports and data dir. */
export async function startPilot(dataDir: string, ports: PilotPorts, env: Record<string, string> = {}): Promise<RunningPilot> {
  const proc = startProcess("npm", ["run", "--silent", "pilot", "--", "--data-dir", dataDir, "--panel-port", String(ports.panel), "--runtime-port", String(ports.runtime), "--site-port", String(ports.site)], {
    cwd: REPO,
    env: { ...process.env, ...env },
  });
  await waitFor("the pilot to print `ready in`", () => {
    if (proc.child.exitCode !== null) throw new Error(`the pilot exited early:\n${proc.output()}`);
    return /ready in [\d.]+ s/.test(proc.output());
  }, 90_000);
  const out = proc.output();
  const url = (label: string) => {
    const m = new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(out);
    if (!m?.[1]) throw new Error(`no ${label} address in the pilot's output:\n${out}`);
    return m[1];
  };
  const email = /email\s+(\S+@\S+)/.exec(out)?.[1];
  const password = /password\s+(\S+)/.exec(out)?.[1];
  return {
    process: proc,
    panelUrl: url("Control Panel"),
    runtimeUrl: url("Agent Runtime"),
    siteUrl: url("Marketing Site"),
    postgresPid: Number(/embedded, pid (\d+)/.exec(out)?.[1]),
    admin: email && password ? { email, password } : undefined,
  };
}

/**
 * Waits until the pilot and everything it started are gone. npm, which ran the pilot, exits on a signal at once,
 * while the pilot is still stopping its services and PostgreSQL (its own process group) is still writing its data
 * dir: removing that dir before this resolves races with PostgreSQL's shutdown checkpoint.
 */
export async function pilotGone(pilot: RunningPilot): Promise<void> {
  const pgid = pilot.process.child.pid!;
  await waitFor("no process of the pilot to remain", () => processesOf(pgid, pilot.postgresPid).length === 0 && !alive(pilot.postgresPid), 20_000);
}

/**
 * For an afterAll after a failure: stops (SIGINT) whatever still runs on `dir` (a pilot's PostgreSQL runs in its own
 * process group, out of stopAll's reach) and waits until it is gone, so `dir` can be removed.
 */
export async function stopLeftoversOn(dir: string): Promise<void> {
  for (const { pid } of processesMentioning(dir)) process.kill(pid, "SIGINT");
  await waitFor(`no process to remain on ${dir}`, () => processesMentioning(dir).length === 0, 20_000);
}

/** Live processes whose command line mentions `text` (e.g. the pilot's data dir), from /proc. */
export function processesMentioning(text: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (cmd.includes(text)) found.push({ pid: Number(entry), cmd });
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Processes whose process group is `pgid`, or whose parent is `ppid` (PostgreSQL's workers). */
export function processesOf(pgid: number, ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      if (Number(fields[2]) === pgid || Number(fields[1]) === ppid) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
