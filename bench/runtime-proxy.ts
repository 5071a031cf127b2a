/**
 * What the Agent Runtime costs on an LLM call, measured against baselines in the same run (issues 5, 19, 22):
 *
 * 1. The bar (issue 19): the same chat-completion load (open loop, BENCH_RATE req/s, default 500) sent straight to a
 *    fake upstream, through a bare Node forwarder (bench/_bare-forwarder.ts: node:http in, undici out, nothing else —
 *    the floor of any Node.js proxy on this machine), through `iron-runtime serve` (as operators run it: the built
 *    bin/iron-runtime.js with the node flags of its image's ENTRYPOINT), through the runtime with `--no-metrics` and
 *    with its Control Panel down. The targets take turns, one second each, for BENCH_SECONDS rounds, so the
 *    machine's noise falls on all alike (direct as many turns as each pooled target: its p99 is subtracted from both
 *    sides of the ratio; when the forwarder's added p99 comes out ≤ 0 the bar says NOT JUDGED). Bar: CPU per call
 *    ≤ 1.3× the bare forwarder's, added p99 ≤ 1.5× the bare forwarder's added p99. After the rounds, the CPU each process spends per second with no calls at all (the
 *    runtime's metrics sample the event loop's lag).
 * 2. Streaming: a paced stream (events STREAM_GAP_MS apart) direct and through the runtime: the time added to the
 *    first byte and to the last byte.
 * 3. The highest open-loop rate at which the runtime's added p99 stays ≤ 5 ms, next to the bare forwarder's.
 * 4. The peer: LiteLLM's proxy (scripts/install-litellm.ts installs it; without it the bench says so and goes on), in
 *    the same interleaved rounds as direct, the bare forwarder and the runtime, non-streaming and streaming, at
 *    PEER_RATE: LiteLLM spends ~15–30 ms of CPU per call, so at 500 req/s on a small machine it only queues (its own
 *    figures are from 4-CPU machines), and its backlog would spill into the other targets' turns.
 *
 * Run: npm run bench -- runtime   (env BENCH_SECONDS, BENCH_RATE, BENCH_WARMUP_SECONDS, BENCH_INSTANCES, BENCH_PHASES=bar,stream,maxrate,peer)
 *
 * A change to the runtime is measured against the code before it in the same rounds (two runs an hour apart differ by
 * up to 2× on a shared host): BENCH_VARIANTS='[{"name":"before","bin":"/path/to/other/checkout/services/agent-runtime/bin/iron-runtime.js"},
 * {"name":"no parallel GC","flags":["--min-semi-space-size=8","--single-threaded-gc"]}]' adds BENCH_INSTANCES processes
 * of each variant (its own built bin, default this one; its node flags, default the image's) to the bar's rounds and
 * prints each variant's figures against the runtime's and the bare forwarder's.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { createTestIssuer } from "../test/support/agent-token.js";
import { freePort } from "../test/support/ports.js";
import { cpuMs, emptySample, openLoop, quantile, threadCpuMs, type Sample } from "./_open-loop.js";
import { startLiteLlmPeer } from "./_litellm-peer.js";

const here = dirname(fileURLToPath(import.meta.url));
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PHASES = new Set((process.env.BENCH_PHASES ?? "bar,stream,maxrate,peer").split(","));
const WARMUP_SECONDS = 2;
/**
 * The bar's warm-up per target. The bar is the steady cost per call of a long-running daemon: at 500 req/s V8's
 * optimizing compiler keeps working on background threads for the first ~15–20 s of a process (measured: 76 µs per
 * call for the bare forwarder and 103 for the runtime between seconds 2 and 12, ~20 for either after 20 s), which a
 * 2 s warm-up would count as per-call cost — the more so the more code a process has.
 */
const BAR_WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
const STREAM_RATE = 100;
const STREAM_GAP_MS = 5;
const MAX_RATE_STEPS = [100, 200, 300, 500, 750, 1000, 1500, 2000, 3000];
/** Calls per target and rate: a p99 needs a few thousand samples to mean anything. */
const MAX_RATE_CALLS = 2000;
const ADDED_P99_LIMIT_MS = 5;
const PEER_RATE = 20;
const PEER_ROUND_SECONDS = 2;
const BAR = { cpu: 1.3, addedP99: 1.5 };
/** How long the bar's processes are left without calls, after its rounds, to measure what each spends idle. */
const IDLE_SECONDS = 20;
/**
 * Processes of the bare forwarder and of the runtime in the bar's rounds, each its own instance: two identical Node
 * processes under the same load differ by up to ±10–25% in CPU per call (memory layout, JIT and GC decisions), so
 * one of each would measure the processes as much as the code.
 */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);
const NODE_SOURCE = ["--import", "tsx", "--conditions=iron-source"];
const RUNTIME_BIN = join(here, "../services/agent-runtime/bin/iron-runtime.js");
/** The node flags the runtime's image starts it with (its Dockerfile's ENTRYPOINT): the bench runs it as deployed. */
const RUNTIME_NODE_FLAGS = imageNodeFlags(join(here, "../services/agent-runtime/Dockerfile"));
const children: ChildProcess[] = [];
const VARIANTS = parseVariants(process.env.BENCH_VARIANTS);

const messages = [{ role: "user", content: "Say hello in five words." }];
const chatBody = JSON.stringify({ model: "gpt-4o-mini", max_tokens: 64, messages });
// Asking for the usage as the runtime does (it adds include_usage when a client does not): direct and proxied get the same events.
const streamBody = JSON.stringify({ model: "gpt-4o-mini", max_tokens: 64, messages, stream: true, stream_options: { include_usage: true } });

interface Target {
  name: string;
  origin: string;
  path: string;
  /** The processes whose CPU the target spends. */
  pids: () => (number | undefined)[];
  /** Headers of every call, when the target needs its own (LiteLLM's master key). */
  headers?: Record<string, string>;
}

interface Figures {
  name: string;
  n: number;
  errors: number;
  p50: number;
  p99: number;
  firstP50: number;
  firstP99: number;
  cpuUsPerCall: number;
  /** CPU per call and p99 of each process of a pooled target: how far identical processes differ. */
  cpuUsPerProcess: number[];
  p99PerProcess: number[];
}

/** Another build or other node flags of the runtime, measured beside it in the bar's rounds. */
interface Variant {
  name: string;
  bin: string;
  flags: string[];
}

function parseVariants(json: string | undefined): Variant[] {
  if (!json) return [];
  const usage = `BENCH_VARIANTS must be a JSON array of {"name": string, "bin"?: path of a built iron-runtime.js, "flags"?: [node flags]}`;
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    throw new Error(`${usage}; it is not JSON`);
  }
  if (!Array.isArray(list)) throw new Error(usage);
  return list.map((v: unknown) => {
    const { name, bin = RUNTIME_BIN, flags = RUNTIME_NODE_FLAGS } = (v ?? {}) as Record<string, unknown>;
    if (typeof name !== "string" || !name || typeof bin !== "string" || !Array.isArray(flags) || !flags.every((f) => typeof f === "string")) throw new Error(usage);
    if (!existsSync(bin)) throw new Error(`variant ${name}: ${bin} does not exist (build that checkout first: npm run build -w services/protocol -w services/agent-runtime)`);
    return { name, bin, flags: flags as string[] };
  });
}

function imageNodeFlags(dockerfile: string): string[] {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(dockerfile, "utf8"))?.[1];
  const argv = entrypoint ? (JSON.parse(entrypoint) as string[]) : [];
  if (argv[0] !== "node" || !argv.at(-1)?.endsWith("/bin/iron-runtime.js")) throw new Error(`${dockerfile}: expected ENTRYPOINT ["node", <flags>, ".../bin/iron-runtime.js"]`);
  return argv.slice(1, -1);
}

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

async function startRuntime(openaiBaseUrl: string, name: string, extraArgs: string[], variant?: Variant): Promise<Target> {
  const issuer = await createTestIssuer();
  const dir = mkdtempSync(join(tmpdir(), "iron-bench-"));
  const { token } = await issuer.issue(1_000_000_000_000);
  const port = await freePort();
  const child = startChild([variant?.bin ?? RUNTIME_BIN, "serve", "--port", String(port), "--state-dir", dir, "--jwks-file", issuer.writeJwks(join(dir, "jwks.json")), "--openai-base-url", openaiBaseUrl, "--log-level", "error", ...extraArgs], { IRON_TOKEN: token }, variant?.flags ?? RUNTIME_NODE_FLAGS);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/healthz`);
  return { name, origin: url, path: "/openai/v1/chat/completions", pids: () => [child.pid] };
}

/**
 * Every target takes a turn of `roundSeconds` at `rate`, for `rounds` rounds, after `warmup` uncounted rounds of 1-s
 * turns. The order is shuffled each round, so no target always runs first, or always right after the same neighbour
 * (a rotation would keep the neighbours: the second runtime would always follow the first, and whatever the first
 * leaves running when its turn ends — its batch flush, its checkpoint — would always fall on the second's turn).
 */
async function interleaved(targets: Target[], body: string, rate: number, rounds: number, roundSeconds = 1, warmup = WARMUP_SECONDS): Promise<Figures[]> {
  // The warm-up takes shuffled 1-s turns as well: warmed one after the other, the first processes would sit idle for
  // minutes before the counted rounds (in side runs the processes left idle longest cost up to 40% more per call).
  for (let round = 0; round < Math.ceil(warmup); round++) {
    for (const i of shuffled(targets.length)) await openLoop(targets[i]!.origin, targets[i]!.path, body, rate, 1, emptySample(), targets[i]!.headers);
  }
  const samples = targets.map(() => ({ sample: emptySample(), cpu: 0 }));
  for (let round = 0; round < rounds; round++) {
    for (const i of shuffled(targets.length)) {
      const t = targets[i]!;
      const before = cpuMs(t.pids());
      await openLoop(t.origin, t.path, body, rate, roundSeconds, samples[i]!.sample, t.headers);
      samples[i]!.cpu += cpuMs(t.pids()) - before;
    }
  }
  // Instances of one target (same name) count as one: their samples and CPU are pooled. A target listed more than
  // once (direct, to get as many turns as the pooled ones) is one process: no figures by process.
  const names = [...new Set(targets.map((t) => t.name))];
  return names.map((name) => {
    const mine = samples.filter((_, i) => targets[i]!.name === name);
    const pooled = emptySample();
    for (const { sample } of mine) {
      pooled.firstByte.push(...sample.firstByte);
      pooled.lastByte.push(...sample.lastByte);
      pooled.errors += sample.errors;
    }
    const cpu = mine.reduce((sum, m) => sum + m.cpu, 0);
    if (new Set(targets.filter((t) => t.name === name)).size === 1) return figures(name, pooled, cpu);
    const perProcess = mine.map((m) => (m.cpu * 1000) / m.sample.lastByte.length);
    const p99s = mine.map((m) => quantile(m.sample.lastByte, 0.99));
    return figures(name, pooled, cpu, perProcess, p99s);
  });
}

/** CPU per second each target's processes spend while no calls come (a runtime runs beside every agent, most of them idle). */
async function idleCpu(groups: Record<string, Target[]>): Promise<Record<string, number[]>> {
  const pids = Object.fromEntries(Object.entries(groups).map(([name, targets]) => [name, targets.flatMap((t) => t.pids())]));
  const before = Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, list.map(threadCpuMs)]));
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  return Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, list.map((pid, i) => (threadCpuMs(pid) - before[name]![i]!) / IDLE_SECONDS)]));
}

/** 0 … n-1 in a random order (Fisher–Yates). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function figures(name: string, s: Sample, cpu: number, cpuUsPerProcess: number[] = [], p99PerProcess: number[] = []): Figures {
  const n = s.lastByte.length;
  return {
    name, n, errors: s.errors, p50: quantile(s.lastByte, 0.5), p99: quantile(s.lastByte, 0.99),
    firstP50: quantile(s.firstByte, 0.5), firstP99: quantile(s.firstByte, 0.99), cpuUsPerCall: (cpu * 1000) / n, cpuUsPerProcess, p99PerProcess,
  };
}

const ms = (v: number) => `${v.toFixed(3)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
/** The p99 bar when the bare forwarder's added p99 comes out ≤ 0: direct's own tail in those rounds was as long as the floor's. */
const NOT_JUDGED = "NOT JUDGED: the bare forwarder's added p99 came out ≤ 0 (direct's own tail in these rounds was as long as the floor's: the machine was too noisy for the ratio); run again";
/** LiteLLM's added time over the runtime's; the runtime's can come out at or under zero (direct's own tail in the same rounds). */
const times = (peer: number, ours: number) => (ours > 0 ? `${(peer / ours).toFixed(0)}x` : "no ratio: the runtime's is within the direct path's noise");

function printTable(rows: Figures[], withFirstByte = false): void {
  for (const f of rows) {
    const first = withFirstByte ? `  first byte p50 ${ms(f.firstP50)} p99 ${ms(f.firstP99)}` : "";
    const spread = f.cpuUsPerProcess.length > 1 ? ` (by process: ${f.cpuUsPerProcess.map((c) => c.toFixed(0)).join(", ")})` : "";
    const p99s = f.p99PerProcess.length > 1 ? ` (by process: ${f.p99PerProcess.map((p) => p.toFixed(2)).join(", ")})` : "";
    console.log(`${f.name.padEnd(36)} n=${f.n} errors=${f.errors}  p50 ${ms(f.p50)}  p99 ${ms(f.p99)}${p99s}${first}  CPU ${f.cpuUsPerCall.toFixed(0)} µs/call${spread}`);
  }
}

let failed = false;
function check(rows: Figures[]): void {
  if (rows.some((r) => r.errors > 0 || r.n === 0)) failed = true;
}

console.log("building the runtime (npm run build -w services/protocol -w services/agent-runtime) ...");
const build = spawnSync("npm", ["run", "build", "--silent", "-w", "services/protocol", "-w", "services/agent-runtime"], { cwd: join(here, ".."), stdio: "inherit" });
if (build.status !== 0) throw new Error("the runtime did not build; fix the build before benchmarking it");

let litellm: Awaited<ReturnType<typeof startLiteLlmPeer>> | undefined;
try {
  const upstream = startChild([join(here, "_llm-upstream.ts"), String(STREAM_GAP_MS)]);
  const { openaiBaseUrl } = JSON.parse(await firstLine(upstream)) as { openaiBaseUrl: string };
  const upstreamOrigin = new URL(openaiBaseUrl).origin;
  const startBare = async (): Promise<Target> => {
    const child = startChild([join(here, "_bare-forwarder.ts"), upstreamOrigin]);
    const url = (JSON.parse(await firstLine(child)) as { url: string }).url;
    return { name: "through a bare Node forwarder", origin: url, path: "/openai/v1/chat/completions", pids: () => [child.pid] };
  };

  const direct: Target = { name: "direct to the fake upstream", origin: upstreamOrigin, path: "/v1/chat/completions", pids: () => [upstream.pid] };
  const bares: Target[] = [];
  const runtimes: Target[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    bares.push(await startBare());
    runtimes.push(await startRuntime(openaiBaseUrl, "through iron-runtime", []));
  }
  const [bare, runtime] = [bares[0]!, runtimes[0]!];
  const variants: Target[] = [];
  for (const variant of VARIANTS) {
    for (let i = 0; i < INSTANCES; i++) variants.push(await startRuntime(openaiBaseUrl, `through iron-runtime, variant ${variant.name}`, [], variant));
  }
  const noMetrics = await startRuntime(openaiBaseUrl, "through iron-runtime, --no-metrics", ["--no-metrics"]);
  const panelDown = await startRuntime(openaiBaseUrl, "through iron-runtime, panel down", ["--control-panel-url", `http://127.0.0.1:${await freePort()}`, "--telemetry-interval-ms", "100"]);

  console.log(`the runtime runs as its image starts it: node ${[...RUNTIME_NODE_FLAGS, "bin/iron-runtime.js serve"].join(" ")}`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), load average ${loadavg()[0]!.toFixed(2)} at the start, ${new Date().toISOString()}`);

  if (PHASES.has("bar")) {
    console.log(`\n[1] the bar: ${RATE} req/s open loop, ${SECONDS} rounds of 1 s per target (interleaved, order shuffled each round) after ${BAR_WARMUP_SECONDS} s of warm-up each (in 1-s turns, shuffled too); chat completion, non-streaming; ${INSTANCES} processes each of the bare forwarder and the runtime, pooled`);
    // Direct takes as many turns as the pooled targets: its p99 is subtracted from both sides of the ratio, so it must be
    // as well measured as theirs (with one turn a round, one noisy second of it moved the ratio by 2× in slow hours).
    const directs = Array.from({ length: INSTANCES }, () => direct);
    const rows = await interleaved([...directs, ...bares, ...runtimes, noMetrics, panelDown, ...variants], chatBody, RATE, SECONDS, 1, BAR_WARMUP_SECONDS);
    check(rows);
    printTable(rows);
    const [d, b, r, nm, pd, ...vs] = rows as [Figures, Figures, Figures, Figures, Figures, ...Figures[]];
    const cpuRatio = r.cpuUsPerCall / b.cpuUsPerCall;
    const addedBare = b.p99 - d.p99;
    const addedRuntime = r.p99 - d.p99;
    console.log("");
    console.log(`CPU per call, runtime / bare forwarder: ${cpuRatio.toFixed(2)}x (${r.cpuUsPerCall.toFixed(0)} vs ${b.cpuUsPerCall.toFixed(0)} µs; bar ≤ ${BAR.cpu}x: ${verdict(cpuRatio <= BAR.cpu)})`);
    const p99Bar = addedBare > 0 ? `${(addedRuntime / addedBare).toFixed(2)}x (${ms(addedRuntime)} vs ${ms(addedBare)}; bar ≤ ${BAR.addedP99}x: ${verdict(addedRuntime / addedBare <= BAR.addedP99)})` : `${NOT_JUDGED} (${ms(addedRuntime)} vs ${ms(addedBare)})`;
    console.log(`added p99, runtime / bare forwarder: ${p99Bar}`);
    console.log(`added p50: runtime ${ms(r.p50 - d.p50)}, bare forwarder ${ms(b.p50 - d.p50)} (issue 5's targets: added p50 ≤ 1 ms ${verdict(r.p50 - d.p50 <= 1)}, added p99 ≤ 5 ms ${verdict(addedRuntime <= 5)})`);
    console.log(`metrics cost: ${(r.cpuUsPerCall - nm.cpuUsPerCall).toFixed(0)} µs CPU per call (${((r.cpuUsPerCall / nm.cpuUsPerCall - 1) * 100).toFixed(1)}% of the runtime's); --no-metrics / bare: ${(nm.cpuUsPerCall / b.cpuUsPerCall).toFixed(2)}x`);
    console.log(`panel down vs panel-less runtime: p50 ${ms(pd.p50 - r.p50)}, p99 ${ms(pd.p99 - r.p99)}, CPU ${(pd.cpuUsPerCall - r.cpuUsPerCall).toFixed(0)} µs/call (telemetry stays off the request path)`);
    for (const v of vs) {
      const p99s = addedRuntime > 0 && addedBare > 0 ? `${((v.p99 - d.p99) / addedRuntime).toFixed(2)}x the runtime's (${((v.p99 - d.p99) / addedBare).toFixed(2)}x the bare forwarder's)` : `${ms(v.p99 - d.p99)}, no ratio: the runtime's or the bare forwarder's is ≤ 0`;
      console.log(`${v.name}: CPU per call ${(v.cpuUsPerCall / r.cpuUsPerCall).toFixed(2)}x the runtime's (${(v.cpuUsPerCall / b.cpuUsPerCall).toFixed(2)}x the bare forwarder's); added p99 ${p99s}`);
    }
    const idle = await idleCpu({ "bare forwarder": bares, "iron-runtime": runtimes, "iron-runtime --no-metrics": [noMetrics] });
    console.log(`idle, no calls for ${IDLE_SECONDS} s (ms of CPU per second, by process): ${Object.entries(idle).map(([name, v]) => `${name} ${v.map((x) => x.toFixed(2)).join(", ")}`).join("; ")}`);
  }

  if (PHASES.has("stream")) {
    const rounds = Math.max(3, Math.round(SECONDS / 2));
    console.log(`\n[2] streaming: ${STREAM_RATE} req/s, streams of 5 events ${STREAM_GAP_MS} ms apart, ${rounds} rounds per target (interleaved)`);
    const streamTargets = [direct, runtime];
    const rows = await interleaved(streamTargets, streamBody, STREAM_RATE, rounds);
    check(rows);
    printTable(rows, true);
    const [d, ...through] = rows as [Figures, ...Figures[]];
    for (const f of through) {
      console.log(`${f.name}: added to the first byte p50 ${ms(f.firstP50 - d.firstP50)} p99 ${ms(f.firstP99 - d.firstP99)}; to the last byte p50 ${ms(f.p50 - d.p50)} p99 ${ms(f.p99 - d.p99)}`);
    }
  }

  if (PHASES.has("maxrate")) {
    console.log(`\n[3] the highest open-loop rate with added p99 ≤ ${ADDED_P99_LIMIT_MS} ms (≥ ${MAX_RATE_CALLS} calls per target and rate in rounds of 1 s; steps ${MAX_RATE_STEPS.join(", ")} req/s)`);
    // A target's rate is the last step it passed before its first miss.
    const best: Record<string, number> = { [bare.name]: 0, [runtime.name]: 0 };
    const missed = new Set<string>();
    for (const rate of MAX_RATE_STEPS) {
      const rounds = Math.max(3, Math.ceil(MAX_RATE_CALLS / rate));
      const rows = await interleaved([direct, bare, runtime], chatBody, rate, rounds, 1, 1);
      const [d, b, r] = rows as [Figures, Figures, Figures];
      const line = [b, r].map((f) => {
        const added = f.p99 - d.p99;
        const ok = added <= ADDED_P99_LIMIT_MS && f.errors === 0 && f.n >= rate * rounds * 0.99;
        if (!ok) missed.add(f.name);
        else if (!missed.has(f.name)) best[f.name] = rate;
        return `${f.name.replace("through ", "")} added p99 ${ms(added)}${ok ? "" : " (over)"}`;
      });
      console.log(`  ${String(rate).padStart(5)} req/s: direct p99 ${ms(d.p99)}; ${line.join("; ")}`);
      if (missed.size === 2) break;
    }
    console.log(`highest rate with added p99 ≤ ${ADDED_P99_LIMIT_MS} ms: bare forwarder ${best[bare.name] || "< " + MAX_RATE_STEPS[0]} req/s, iron-runtime ${best[runtime.name] || "< " + MAX_RATE_STEPS[0]} req/s`);
  }
  if (PHASES.has("peer")) {
    litellm = await startLiteLlmPeer(openaiBaseUrl);
    if ("missing" in litellm) {
      console.log(`\n[4] peer: LiteLLM is not installed (${litellm.missing}); no peer figures`);
    } else {
      const peer = litellm;
      const target: Target = {
        name: `through LiteLLM ${peer.version} (${peer.workers} workers)`, origin: peer.url, path: "/chat/completions", pids: () => peer.cpuPids(),
        headers: { "content-type": "application/json", ...peer.headers },
      };
      const rounds = Math.max(3, Math.round(SECONDS / 2));
      for (const [kind, body, targets] of [["non-streaming", chatBody, [direct, bare, runtime, target]], ["streaming", streamBody, [direct, runtime, target]]] as const) {
        console.log(`\n[4] peer, ${kind}: ${PEER_RATE} req/s, ${rounds} rounds of ${PEER_ROUND_SECONDS} s per target (interleaved)`);
        const rows = await interleaved([...targets], body, PEER_RATE, rounds, PEER_ROUND_SECONDS);
        check(rows);
        printTable(rows, kind === "streaming");
        const d = rows[0]!;
        const r = rows.find((f) => f.name === runtime.name)!;
        const l = rows.at(-1)!;
        const first = kind === "streaming" ? `, first byte p50 ${ms(l.firstP50 - d.firstP50)} vs ${ms(r.firstP50 - d.firstP50)}` : "";
        console.log(`added p50: LiteLLM ${ms(l.p50 - d.p50)}, iron-runtime ${ms(r.p50 - d.p50)} (${times(l.p50 - d.p50, r.p50 - d.p50)}); added p99: LiteLLM ${ms(l.p99 - d.p99)}, iron-runtime ${ms(r.p99 - d.p99)} (${times(l.p99 - d.p99, r.p99 - d.p99)})${first}`);
        console.log(`CPU per call: LiteLLM ${l.cpuUsPerCall.toFixed(0)} µs, iron-runtime ${r.cpuUsPerCall.toFixed(0)} µs (${(l.cpuUsPerCall / r.cpuUsPerCall).toFixed(0)}x)`);
      }
    }
  }
  console.log(`\nload average (1 min) at the end: ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
  if (failed) {
    console.log("some calls failed (errors above): the figures are not valid");
    process.exitCode = 1;
  }
} finally {
  if (litellm && !("missing" in litellm)) await litellm.stop();
  for (const child of children) child.kill("SIGTERM");
}
