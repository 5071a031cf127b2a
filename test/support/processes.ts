import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const running = new Set<RunningProcess>();

/**
 * Starts a process in its own process group and remembers it, so `stopAll()`
 * (called from the global teardown and by tests' afterAll) can never leave an orphan.
 */
export function startProcess(command: string, args: string[], options: SpawnOptions = {}): RunningProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.on("error", (err) => {
      out += `\n[spawn error] ${err.message}`;
      resolve("spawn-error");
    });
  });
  const proc: RunningProcess = {
    child,
    output: () => out,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, "SIGTERM");
        const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(proc);
      return exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** How long one attempt of a waitFor probe may take before the next one starts. */
const PROBE_ATTEMPT_MS = 20_000;

/**
 * Polls `probe` until it returns true or `timeoutMs` passes; throws with `what` in the message. An attempt that does
 * not settle within PROBE_ATTEMPT_MS is given up (a fetch to a port whose proxy accepted before its server was up was
 * seen never to settle, and held a 30-min hook until it timed out) and the next one starts.
 */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`an attempt did not answer in ${PROBE_ATTEMPT_MS} ms`)), Math.min(PROBE_ATTEMPT_MS, Math.max(deadline - Date.now(), 1)));
    });
    try {
      if (await Promise.race([Promise.resolve().then(probe), givenUp])) return;
    } catch (err) {
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

/** Waits until `url` answers with a 2xx status. */
export function waitForHttp(url: string, timeoutMs = 15000): Promise<void> {
  return waitFor(`${url} to answer 2xx`, async () => (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok, timeoutMs);
}
