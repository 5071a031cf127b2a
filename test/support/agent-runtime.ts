import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess, waitForHttp, type RunningProcess } from "./processes.js";
import { freePort } from "./ports.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../services/agent-runtime/src/cli.ts");

export interface RuntimeProcess {
  url: string;
  proc: RunningProcess;
  /** GET /status as JSON. */
  status(): Promise<RuntimeStatusJson>;
  stop(): Promise<number | string>;
}

export interface RuntimeStatusJson {
  token: { id: string; status: string; verification: string };
  budget_micros: number;
  spent_micros: number;
  reserved_micros: number;
  remaining_micros: number;
  calls: number;
  calls_in_flight: number;
  telemetry: { state: string; reason: string | null; queued: number; sent: number; consecutive_failures: number };
}

/** Runs `iron-runtime serve` from source as a real process on a free port and waits for /healthz. */
export async function startRuntimeProcess(options: { token: string; stateDir: string; args?: string[]; env?: Record<string, string> }): Promise<RuntimeProcess> {
  const port = await freePort();
  const proc = startProcess(process.execPath, ["--import", "tsx", "--conditions=iron-source", CLI, "serve", "--port", String(port), "--state-dir", options.stateDir, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", IRON_TOKEN: options.token, ...options.env },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const exitedEarly = proc.exited.then((code) => {
      throw new Error(`it exited with code ${code}`);
    });
    exitedEarly.catch(() => undefined); // once started, a later exit is not an error here
    await Promise.race([waitForHttp(`${url}/healthz`, 30_000), exitedEarly]);
  } catch (err) {
    await proc.stop();
    throw new Error(`iron-runtime did not start: ${(err as Error).message}\n${proc.output()}`);
  }
  return {
    url,
    proc,
    status: async () => (await (await fetch(`${url}/status`)).json()) as RuntimeStatusJson,
    // Shutdown may wait 2 s for a last telemetry batch, then checkpoints: room before the SIGKILL.
    stop: () => proc.stop(15_000),
  };
}

/** Runs the CLI to completion (for config-error tests) and returns its exit code and output. */
export async function runRuntimeCli(args: string[], env: Record<string, string>): Promise<{ code: number | string; output: string }> {
  const proc = startProcess(process.execPath, ["--import", "tsx", "--conditions=iron-source", CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
  });
  const code = await proc.exited;
  return { code, output: proc.output() };
}
