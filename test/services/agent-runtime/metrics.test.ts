/**
 * Prometheus metrics of both services after real traffic: calls through a real runtime process to a fake upstream,
 * its telemetry reaching a real panel process, both scraped over HTTP and read with a real exposition-format parser.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";
import { startRuntimeProcess, type RuntimeProcess } from "../../support/agent-runtime.js";
import { startPanelProcess, type PanelProcess } from "../../support/control-panel-process.js";
import { stopAll, waitFor } from "../../support/processes.js";
import { scrape, type Scrape } from "../../support/prometheus.js";
import { chat, post, tempDir } from "./helpers.js";

const PROMPT = "Say hello."; // what chat() sends: it must appear in no metric
const UNKNOWN_MODELS = 1000;
const BUDGET = 5_000;

let fake: FakeLlm;
let panel: PanelProcess;
let rt: RuntimeProcess;
let token: { id: string; token: string };

beforeAll(async () => {
  fake = await startFakeLlm();
  panel = await startPanelProcess();
  token = await panel.issueToken(BUDGET);
  rt = await startRuntimeProcess({
    token: token.token,
    stateDir: tempDir(),
    args: ["--control-panel-url", panel.url, "--openai-base-url", fake.openaiBaseUrl, "--telemetry-interval-ms", "50", "--panel-refresh-ms", "200"],
    env: { OPENAI_API_KEY: "sk-metrics-test-secret-key" },
  });
  await waitFor("the token to be verified with the panel's keys", async () => (await rt.status()).token.verification === "verified");

  const completions = `${rt.url}/openai/v1/chat/completions`;
  for (let i = 0; i < 3; i++) expect((await post(completions, chat("gpt-4o-mini", 100))).status).toBe(200);
  expect((await post(completions, chat("gpt-4o-mini", 16_384))).status).toBe(402); // estimate ≈ 9,830 micros > budget
  fake.failWith = 500;
  expect((await post(completions, chat("gpt-4o-mini", 100))).status).toBe(500);
  fake.failWith = undefined;
  // 1,000 distinct model names the runtime has no price for: refused, and they must not become 1,000 series.
  for (let start = 0; start < UNKNOWN_MODELS; start += 50) {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(completions, chat(`no-such-model-${start + i}`, 10))));
    expect(answers.every((a) => a.status === 400)).toBe(true);
  }
  await waitFor("every telemetry event to reach the panel", async () => {
    const s = await rt.status();
    return s.telemetry.queued === 0 && s.telemetry.sent === 5;
  });
}, 180_000);

afterAll(async () => {
  await stopAll();
  await fake.close();
});

describe("the Agent Runtime's /metrics", () => {
  let runtimeScrape: Scrape;
  beforeAll(async () => {
    runtimeScrape = await scrape(`${rt.url}/metrics`);
  });

  it("counts calls by outcome as the ledger does (ok, 402 refused, upstream error, rejected)", async () => {
    const status = await rt.status();
    const m = runtimeScrape;
    expect(m.value("iron_runtime_calls_total", { provider: "openai", model: "gpt-4o-mini", outcome: "ok" })).toBe(3);
    expect(m.value("iron_runtime_calls_total", { outcome: "refused" })).toBe(1);
    expect(m.value("iron_runtime_calls_total", { outcome: "upstream_error" })).toBe(1);
    expect(m.value("iron_runtime_calls_total", { model: "other", outcome: "rejected" })).toBe(UNKNOWN_MODELS);
    // Every settled call of the ledger is counted once (rejected calls never reach the ledger).
    const settled = ["ok", "refused", "upstream_error"].reduce((n, outcome) => n + m.value("iron_runtime_calls_total", { outcome }), 0);
    expect(settled).toBe(status.calls);
  });

  it("reports the ledger's spend in micro-USD, and the budget gauges of /status", async () => {
    const status = await rt.status();
    expect(status.spent_micros).toBeGreaterThan(0);
    expect(runtimeScrape.value("iron_runtime_spend_micros_total")).toBe(status.spent_micros);
    expect(runtimeScrape.value("iron_runtime_budget_micros")).toBe(BUDGET);
    expect(runtimeScrape.value("iron_runtime_spent_micros")).toBe(status.spent_micros);
    expect(runtimeScrape.value("iron_runtime_remaining_micros")).toBe(status.remaining_micros);
    expect(runtimeScrape.value("iron_runtime_reserved_micros")).toBe(0);
  });

  it("has latency histograms, ledger write time, telemetry state and process metrics", () => {
    const m = runtimeScrape;
    expect(m.count("iron_runtime_added_latency_seconds", { provider: "openai" })).toBe(5 + UNKNOWN_MODELS);
    expect(m.count("iron_runtime_upstream_latency_seconds", { provider: "openai" })).toBe(4); // the 402 never went upstream
    expect(m.count("iron_runtime_ledger_write_seconds")).toBe(5);
    expect(m.value("iron_runtime_telemetry_state", { state: "enabled" })).toBe(1);
    expect(m.value("iron_runtime_telemetry_state", { state: "disabled" })).toBe(0);
    expect(m.value("iron_runtime_telemetry_queue_depth")).toBe(0);
    expect(m.value("iron_runtime_telemetry_consecutive_failures")).toBe(0);
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds"]) expect(() => m.family(name), name).not.toThrow();
  });

  it("keeps label cardinality bounded and puts no secret, token or prompt in a label", () => {
    const models = new Set(runtimeScrape.labelSets("iron_runtime_calls_total").map((l) => l.model));
    expect([...models].sort()).toEqual(["gpt-4o-mini", "other"]);
    expect(runtimeScrape.labelSets("iron_runtime_calls_total").length).toBeLessThanOrEqual(4);
    for (const forbidden of [token.token, "sk-metrics-test-secret-key", PROMPT, "no-such-model-"]) {
      expect(runtimeScrape.text.includes(forbidden), forbidden).toBe(false);
    }
  });
});

describe("the Control Panel's /metrics", () => {
  let panelScrape: Scrape;
  beforeAll(async () => {
    // One refused batch (not an array of events), for the rejected counter.
    expect((await panel.request("POST", "/api/telemetry", { events: "nope" }, token.token)).status).toBe(400);
    panelScrape = await scrape(`${panel.url}/metrics`, { authorization: `Bearer ${panel.admin}` });
  });

  it("is for admins only on the main port", async () => {
    expect((await fetch(`${panel.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${panel.url}/metrics`, { headers: { authorization: `Bearer ${token.token}` } })).status).toBe(403);
  });

  it("counts telemetry as stored: accepted events equal the panel's events, spend by agent equals the token's", async () => {
    const stored = await panel.get<{ items: unknown[] }>(`/api/telemetry?token_id=${token.id}&limit=100`);
    const view = await panel.get<{ agent_id: string; spent_micros: number }>(`/api/tokens/${token.id}`);
    expect(panelScrape.value("iron_panel_telemetry_events_total", { result: "accepted" })).toBe(stored.items.length);
    expect(stored.items.length).toBe(5);
    expect(panelScrape.value("iron_panel_telemetry_batches_rejected_total")).toBe(1);
    expect(panelScrape.value("iron_panel_agent_spend_micros_total", { agent_id: view.agent_id })).toBe(view.spent_micros);
    expect(view.spent_micros).toBe((await rt.status()).spent_micros);
    expect(panelScrape.value("iron_panel_tokens", { status: "active" })).toBe(1);
    expect(panelScrape.value("iron_panel_tokens", { status: "revoked" })).toBe(0);
  });

  it("has request counts by route template and status, the pool, SSE clients and process metrics", () => {
    const routes = new Set(panelScrape.labelSets("iron_panel_http_requests_total").map((l) => l.route));
    expect(routes.has("/api/telemetry")).toBe(true);
    expect(routes.has("/api/tokens/self")).toBe(true); // the runtime's refresh
    expect([...routes].some((r) => r?.includes(token.id))).toBe(false); // templates, never ids
    expect(panelScrape.value("iron_panel_http_requests_total", { method: "POST", route: "/api/telemetry", status: "202" })).toBeGreaterThan(0);
    expect(panelScrape.count("iron_panel_http_request_duration_seconds", { route: "/api/telemetry" })).toBeGreaterThan(0);
    expect(panelScrape.value("iron_panel_db_pool_connections", { state: "waiting" })).toBe(0);
    expect(panelScrape.value("iron_panel_sse_clients")).toBe(0);
    expect(() => panelScrape.family("process_cpu_seconds_total")).not.toThrow();
    for (const forbidden of [token.token, panel.admin, PROMPT]) expect(panelScrape.text.includes(forbidden)).toBe(false);
  });
});
