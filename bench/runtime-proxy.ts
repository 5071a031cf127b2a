/**
 * Overhead of the Agent Runtime proxy: the same chat-completion load (open
 * loop, 500 req/s) sent straight to a fake upstream and then through
 * `iron-runtime serve`, in one run, so the figures are differences and ratios
 * against a baseline measured on the same machine at the same time.
 * A third phase points the runtime at a Control Panel that is down, to show
 * telemetry trouble adds nothing to the calls.
 *
 * The runtime runs as operators run it, the built `bin/iron-runtime.js` (this script builds it first). A bare
 * forwarder (bench/_bare-forwarder.ts: node:http in, undici out, nothing else) runs in the same rounds: what it adds
 * over the direct path is the floor any Node.js proxy pays on this machine.
 *
 * A runtime with `--no-metrics` runs in the same rounds too: the difference is what its Prometheus metrics cost per call.
 *
 * Targets (issue 5): added p50 ≤ 1 ms, added p99 ≤ 5 ms.
 * Run: npm run bench -- runtime   (env BENCH_SECONDS = rounds, BENCH_RATE = req/s to change the load)
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { Pool } from "undici";
import { createTestIssuer } from "../test/support/agent-token.js";
import { freePort } from "../test/support/ports.js";

const here = dirname(fileURLToPath(import.meta.url));
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 2;
const NODE_SOURCE = ["--import", "tsx", "--conditions=iron-source"];
const children: ChildProcess[] = [];

const body = JSON.stringify({ model: "gpt-4o-mini", max_tokens: 64, messages: [{ role: "user", content: "Say hello in five words." }] });

const RUNTIME_BIN = join(here, "../services/agent-runtime/bin/iron-runtime.js");

function startChild(args: string[], env: Record<string, string> = {}, nodeArgs = NODE_SOURCE): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) return line;
  throw new Error("child ended before printing");
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux; 10 ms resolution). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

async function startRuntime(openaiBaseUrl: string, extraArgs: string[]): Promise<{ url: string; pid: number | undefined }> {
  const issuer = await createTestIssuer();
  const dir = mkdtempSync(join(tmpdir(), "iron-bench-"));
  const { token } = await issuer.issue(1_000_000_000_000);
  const port = await freePort();
  const child = startChild([RUNTIME_BIN, "serve", "--port", String(port), "--state-dir", dir, "--jwks-file", issuer.writeJwks(join(dir, "jwks.json")), "--openai-base-url", openaiBaseUrl, "--log-level", "error", ...extraArgs], { IRON_TOKEN: token }, []);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/healthz`);
  return { url, pid: child.pid };
}

/** Sends `rate` requests per second for `seconds` regardless of answers (open loop) and returns each latency in ms. */
async function load(origin: string, path: string, rate: number, seconds: number): Promise<{ latencies: number[]; errors: number }> {
  const pool = new Pool(origin, { connections: 64, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  const total = rate * seconds;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) {
      const t0 = performance.now();
      inflight.push(
        pool.request({ path, method: "POST", headers: { "content-type": "application/json" }, body }).then(async (res) => {
          await res.body.arrayBuffer();
          if (res.statusCode !== 200) errors += 1;
          latencies.push(performance.now() - t0);
        }, () => void (errors += 1)),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  await pool.close();
  return { latencies, errors };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

interface Figures { p50: number; p90: number; p99: number; errors: number; n: number; cpuMsPerCall: number }

function figures(name: string, latencies: number[], errors: number, cpu: number): Figures {
  const sorted = latencies.sort((a, b) => a - b);
  const f = { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), errors, n: latencies.length, cpuMsPerCall: cpu / latencies.length };
  console.log(`${name.padEnd(34)} n=${f.n} errors=${f.errors}  p50 ${f.p50.toFixed(3)} ms  p90 ${f.p90.toFixed(3)} ms  p99 ${f.p99.toFixed(3)} ms  server CPU ${(f.cpuMsPerCall * 1000).toFixed(0)} µs/call`);
  return f;
}

/**
 * The targets take turns, one second each, for SECONDS rounds: noise from the
 * shared machine then falls on all of them alike instead of on one phase.
 */
async function interleaved(targets: { name: string; origin: string; path: string; pid: number | undefined }[]): Promise<Figures[]> {
  for (const t of targets) await load(t.origin, t.path, RATE, WARMUP_SECONDS);
  const samples = targets.map(() => ({ latencies: [] as number[], errors: 0, cpu: 0 }));
  for (let round = 0; round < SECONDS; round++) {
    for (const [i, t] of targets.entries()) {
      const cpuBefore = cpuMs(t.pid);
      const { latencies, errors } = await load(t.origin, t.path, RATE, 1);
      samples[i]!.cpu += cpuMs(t.pid) - cpuBefore;
      samples[i]!.latencies.push(...latencies);
      samples[i]!.errors += errors;
    }
  }
  return targets.map((t, i) => figures(t.name, samples[i]!.latencies, samples[i]!.errors, samples[i]!.cpu));
}

console.log("building the runtime (npm run build -w services/protocol -w services/agent-runtime) ...");
const build = spawnSync("npm", ["run", "build", "--silent", "-w", "services/protocol", "-w", "services/agent-runtime"], { cwd: join(here, ".."), stdio: "inherit" });
if (build.status !== 0) throw new Error("the runtime did not build; fix the build before benchmarking it");

try {
  const upstream = startChild([join(here, "_llm-upstream.ts")]);
  const { openaiBaseUrl } = JSON.parse(await firstLine(upstream)) as { openaiBaseUrl: string };
  const upstreamOrigin = new URL(openaiBaseUrl).origin;
  const bare = startChild([join(here, "_bare-forwarder.ts"), upstreamOrigin]);
  const bareUrl = (JSON.parse(await firstLine(bare)) as { url: string }).url;
  const proxy = await startRuntime(openaiBaseUrl, []);
  const deadPanel = `http://127.0.0.1:${await freePort()}`;
  const proxyPanelDown = await startRuntime(openaiBaseUrl, ["--control-panel-url", deadPanel, "--telemetry-interval-ms", "100"]);
  const proxyNoMetrics = await startRuntime(openaiBaseUrl, ["--no-metrics"]);

  console.log(`load: ${RATE} req/s open loop, ${SECONDS} rounds of 1 s per target (interleaved) after ${WARMUP_SECONDS} s warm-up; chat completion, non-streaming`);
  const [direct, bareFigures, proxied, panelDown, noMetrics] = (await interleaved([
    { name: "direct to the fake upstream", origin: upstreamOrigin, path: "/v1/chat/completions", pid: upstream.pid },
    { name: "through a bare Node forwarder", origin: bareUrl, path: "/openai/v1/chat/completions", pid: bare.pid },
    { name: "through iron-runtime", origin: proxy.url, path: "/openai/v1/chat/completions", pid: proxy.pid },
    { name: "through iron-runtime, panel down", origin: proxyPanelDown.url, path: "/openai/v1/chat/completions", pid: proxyPanelDown.pid },
    { name: "through iron-runtime, --no-metrics", origin: proxyNoMetrics.url, path: "/openai/v1/chat/completions", pid: proxyNoMetrics.pid },
  ])) as [Figures, Figures, Figures, Figures, Figures];

  const addedP50 = proxied.p50 - direct.p50;
  const addedP99 = proxied.p99 - direct.p99;
  console.log("");
  console.log(`added by the proxy: p50 ${addedP50.toFixed(3)} ms (target ≤ 1 ms: ${addedP50 <= 1 ? "met" : "MISSED"}), p99 ${addedP99.toFixed(3)} ms (target ≤ 5 ms: ${addedP99 <= 5 ? "met" : "MISSED"})`);
  console.log(`the bare forwarder adds p50 ${(bareFigures.p50 - direct.p50).toFixed(3)} ms, p99 ${(bareFigures.p99 - direct.p99).toFixed(3)} ms: the floor of any Node.js proxy here; the runtime adds p50 ${(proxied.p50 - bareFigures.p50).toFixed(3)} ms, p99 ${(proxied.p99 - bareFigures.p99).toFixed(3)} ms beyond it`);
  console.log(`ratio proxied / direct: p50 ${(proxied.p50 / direct.p50).toFixed(2)}x, p99 ${(proxied.p99 / direct.p99).toFixed(2)}x`);
  console.log(`CPU: the proxy spends ${(proxied.cpuMsPerCall * 1000).toFixed(0)} µs per call (${(proxied.cpuMsPerCall / direct.cpuMsPerCall).toFixed(2)}x the fake upstream's ${(direct.cpuMsPerCall * 1000).toFixed(0)} µs); on a loaded machine latency follows CPU contention`);
  console.log(`panel down vs panel-less proxy: p50 ${(panelDown.p50 - proxied.p50).toFixed(3)} ms, p99 ${(panelDown.p99 - proxied.p99).toFixed(3)} ms (noise when telemetry stays off the request path)`);
  const bareCpu = bareFigures.cpuMsPerCall;
  console.log(`CPU per call vs the bare forwarder's ${(bareCpu * 1000).toFixed(0)} µs: runtime ${(proxied.cpuMsPerCall / bareCpu).toFixed(2)}x, runtime --no-metrics ${(noMetrics.cpuMsPerCall / bareCpu).toFixed(2)}x`);
  console.log(`metrics cost: ${((proxied.cpuMsPerCall - noMetrics.cpuMsPerCall) * 1000).toFixed(0)} µs CPU per call (${((proxied.cpuMsPerCall / noMetrics.cpuMsPerCall - 1) * 100).toFixed(1)}% of the runtime's), p50 ${(proxied.p50 - noMetrics.p50).toFixed(3)} ms, p99 ${(proxied.p99 - noMetrics.p99).toFixed(3)} ms`);
  console.log(`load average (1 min) at the end: ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
  if (direct.errors + bareFigures.errors + proxied.errors + panelDown.errors + noMetrics.errors > 0) process.exitCode = 1;
} finally {
  for (const child of children) child.kill("SIGTERM");
}
