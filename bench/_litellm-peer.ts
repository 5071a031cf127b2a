/**
 * LiteLLM's proxy as a peer of bench/runtime-proxy.ts, configured against the same fake upstream the way LiteLLM's
 * docs benchmark it (docs.litellm.ai/docs/benchmarks): a model_list entry `openai/<model>` with the fake's
 * api_base, no callbacks, no retries, a master key, and `--num_workers` = the machine's CPU count ("setting workers
 * equal to CPU count gives optimal performance"; their figures: 4 CPU / 8 GB machines, one worker per CPU).
 * Offline and quiet: the local model cost map (the default fetches it from GitHub), telemetry off, LITELLM_LOG=ERROR
 * and no access log. It never installs itself: `npx tsx scripts/install-litellm.ts` does (bench/_litellm-venv.ts).
 *
 * Calls: `POST <url>/chat/completions` with `headers` (the master key; LiteLLM refuses to start without one).
 * BENCH_LITELLM_WORKERS overrides the worker count.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/support/ports.js";
import { findLiteLlm, INSTALL_COMMAND, LITELLM_VERSION, litellmVenvsRoot } from "./_litellm-venv.js";

export interface LiteLlmPeer {
  /** `http://127.0.0.1:<port>`: OpenAI routes at the root (`/chat/completions`). */
  url: string;
  /** The supervisor process (uvicorn's, which forks the workers). */
  pid: number | undefined;
  version: string;
  workers: number;
  /** Headers every call must carry (the master key). */
  headers: Record<string, string>;
  /** Every process of this LiteLLM now (supervisor, workers, multiprocessing's resource tracker): sum CPU over these. */
  cpuPids(): number[];
  stop(): Promise<void>;
}

/** The model the bench asks for; LiteLLM maps it onto the fake upstream. */
const MODEL = "gpt-4o-mini";
/** Importing LiteLLM takes 5–20 s of one core per process; all workers start at once on a busy 2-core machine. */
const START_TIMEOUT_MS = 240_000;
const STOP_GRACE_MS = 10_000;
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function workerCount(): number {
  const set = process.env.BENCH_LITELLM_WORKERS;
  if (set === undefined) return availableParallelism();
  const n = Number(set);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`BENCH_LITELLM_WORKERS=${set}: give a whole number of worker processes from 1 to 64 (default: the CPU count, ${availableParallelism()})`);
  return n;
}

/** The pid and its descendants, from /proc (Linux). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* the process ended while we looked */
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Whether any process of the group `pgid` is still there. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** uvicorn's own log lines at INFO ("Application startup complete." once per worker), its access log off. */
const LOG_CONFIG = {
  version: 1,
  disable_existing_loggers: false,
  formatters: { plain: { format: "%(levelname)s %(name)s: %(message)s" } },
  handlers: { stderr: { class: "logging.StreamHandler", formatter: "plain", stream: "ext://sys.stderr" } },
  loggers: {
    uvicorn: { handlers: ["stderr"], level: "INFO", propagate: false },
    "uvicorn.error": { level: "INFO" },
    "uvicorn.access": { handlers: [], level: "WARNING", propagate: false },
  },
};

/**
 * Starts LiteLLM's proxy in front of `openaiBaseUrl` (the fake upstream's `http://127.0.0.1:<port>/v1`) and resolves
 * once every worker has started, or returns `{ missing }` with the command that installs it.
 */
export async function startLiteLlmPeer(openaiBaseUrl: string): Promise<LiteLlmPeer | { missing: string }> {
  const litellm = findLiteLlm();
  if (!litellm) return { missing: `LiteLLM's proxy (litellm[proxy]==${LITELLM_VERSION}) is not installed in ${litellmVenvsRoot}; install it with: ${INSTALL_COMMAND}` };
  const workers = workerCount();
  const dir = mkdtempSync(join(tmpdir(), "iron-bench-litellm-"));
  const config = {
    model_list: [{ model_name: MODEL, litellm_params: { model: `openai/${MODEL}`, api_base: openaiBaseUrl, api_key: "sk-fake-upstream" } }],
    litellm_settings: { callbacks: [], num_retries: 0, request_timeout: 30 },
  };
  writeFileSync(join(dir, "config.yaml"), JSON.stringify(config, null, 2)); // JSON is YAML
  writeFileSync(join(dir, "log-config.json"), JSON.stringify(LOG_CONFIG));
  const masterKey = `sk-${randomBytes(32).toString("hex")}`;
  const port = await freePort();
  const logFile = join(dir, "litellm.log");
  const log = openSync(logFile, "w");
  const args = ["--config", join(dir, "config.yaml"), "--host", "127.0.0.1", "--port", String(port), "--num_workers", String(workers), "--log_config", join(dir, "log-config.json"),
    // uvicorn's supervisor restarts a worker that does not answer its health ping within 5 s (the default), which a
    // worker still importing LiteLLM on a busy machine does not: without this they are restarted for ever.
    "--timeout_worker_healthcheck", "120"];
  const child = spawn(litellm.executable, args, {
    cwd: dir, // LiteLLM reads a .env from its working directory
    detached: true, // its own process group, stopped as one
    stdio: ["ignore", log, log],
    env: { ...process.env, LITELLM_MASTER_KEY: masterKey, LITELLM_LOCAL_MODEL_COST_MAP: "True", LITELLM_TELEMETRY_DISABLED: "true", LITELLM_LOG: "ERROR", NO_COLOR: "1" },
  });
  closeSync(log);
  const pgid = child.pid!;
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  // Its own process group does not get the terminal's Ctrl-C, nor dies with the bench: end it when the bench ends.
  const killGroup = () => {
    if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup();
    forgetHandlers();
    process.kill(process.pid, signal); // the default action again: the bench ends as it would have
  };
  const forgetHandlers = () => {
    process.off("exit", killGroup);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  process.once("exit", killGroup);
  for (const signal of SIGNALS) process.once(signal, onSignal);

  const stop = async () => {
    forgetHandlers();
    if (groupAlive(pgid)) process.kill(-pgid, "SIGTERM");
    for (const deadline = Date.now() + STOP_GRACE_MS; groupAlive(pgid) && Date.now() < deadline; ) await sleep(100);
    if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = async (why: string) => {
    const tail = readFileSync(logFile, "utf8").replaceAll(masterKey, "<master key>").split("\n").filter((l) => l.trim()).slice(-30).join("\n");
    await stop();
    return new Error(`LiteLLM ${litellm.version} (${litellm.executable}) ${why}; its last output:\n${tail}`);
  };

  const url = `http://127.0.0.1:${port}`;
  const started = () => (readFileSync(logFile, "utf8").match(/Application startup complete/g) ?? []).length;
  for (const deadline = Date.now() + START_TIMEOUT_MS; ; await sleep(250)) {
    if (exited !== undefined) throw await failed(`exited (${exited}) while starting`);
    if (Date.now() > deadline) throw await failed(`did not start ${workers} workers within ${START_TIMEOUT_MS / 1000} s`);
    if (started() < workers) continue;
    if ((await fetch(`${url}/health/liveliness`).catch(() => undefined))?.ok) break;
  }
  const headers = { authorization: `Bearer ${masterKey}` };
  return { url, pid: child.pid, version: litellm.version, workers, headers, cpuPids: () => (groupAlive(pgid) ? processTree(pgid) : []), stop };
}
