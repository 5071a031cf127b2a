import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";
import { startRuntimeProcess, type RuntimeProcess } from "../../support/agent-runtime.js";
import { startPanelProcess, type PanelProcess } from "../../support/control-panel-process.js";
import { stopAll, waitFor } from "../../support/processes.js";
import { chat, post, tempDir } from "./helpers.js";

let fake: FakeLlm;
let panel: PanelProcess;

beforeAll(async () => {
  fake = await startFakeLlm();
  panel = await startPanelProcess();
});
afterAll(async () => {
  await stopAll();
  await fake.close();
});

interface TokenView { spent_micros: number; status: string }
interface TelemetryPage { items: { event_id: string; cost_micros: number; type: string }[]; next_cursor: string | null }

function runtimeFor(token: string, stateDir: string, panelUrl = panel.url, timing = { intervalMs: 50, refreshMs: 200 }): Promise<RuntimeProcess> {
  return startRuntimeProcess({
    token,
    stateDir,
    args: [
      "--control-panel-url", panelUrl, "--openai-base-url", fake.openaiBaseUrl, "--anthropic-base-url", fake.anthropicBaseUrl,
      "--telemetry-interval-ms", String(timing.intervalMs), "--telemetry-retry-ms", "100", "--telemetry-timeout-ms", "2000",
      "--panel-refresh-ms", String(timing.refreshMs),
    ],
  });
}

/**
 * Sits between the runtime and the panel and, for the first `drop` telemetry posts, lets the panel ingest the
 * batch but cuts the connection instead of returning the panel's answer: the acknowledgement is lost.
 */
async function startAckDroppingProxy(drop: number): Promise<{ url: string; dropped: () => number; close(): Promise<void> }> {
  let dropped = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers: Record<string, string> = {};
      for (const name of ["authorization", "content-type", "accept"]) if (req.headers[name]) headers[name] = String(req.headers[name]);
      const answer = await fetch(`${panel.url}${req.url}`, { method: req.method, headers, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
      const text = await answer.text();
      if (req.url === "/api/telemetry" && dropped < drop) {
        dropped += 1;
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dropped: () => dropped,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Issues a token on the panel and starts a runtime with it that has verified the token with the panel's keys. */
async function verifiedRuntime(budgetMicros: number): Promise<{ id: string; token: string; stateDir: string; rt: RuntimeProcess }> {
  const { id, token } = await panel.issueToken(budgetMicros);
  const stateDir = tempDir();
  const rt = await runtimeFor(token, stateDir);
  await waitFor("the token to be verified with the panel's JWKS", async () => (await rt.status()).token.verification === "verified");
  return { id, token, stateDir, rt };
}

/** Every event the panel stored for a token. */
async function panelEvents(tokenId: string): Promise<TelemetryPage["items"]> {
  return (await panel.get<TelemetryPage>(`/api/telemetry?token_id=${tokenId}&limit=1000`)).items;
}

async function someCalls(rt: RuntimeProcess, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = i % 2 === 0
      ? await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 100))
      : await post(`${rt.url}/anthropic/v1/messages`, chat("claude-3-5-haiku", 100, { stream: true }));
    expect(res.status).toBe(200);
  }
}

describe("telemetry to the real Control Panel", () => {
  it("verifies the token with the panel's keys, and the panel's spend equals the ledger's to the micro-dollar", async () => {
    const { id, rt } = await verifiedRuntime(5_000_000);
    fake.usage = { input: 1234, cached: 100, cacheWrite: 50, output: 77 };
    await someCalls(rt, 6);
    fake.failWith = 500;
    expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 100))).status).toBe(500);
    fake.failWith = undefined;
    expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o", 1_000_000))).status).toBe(402);
    await waitFor("the queue to drain", async () => (await rt.status()).telemetry.queued === 0);

    const local = await rt.status();
    const remote = await panel.get<TokenView>(`/api/tokens/${id}`);
    expect(local.spent_micros).toBeGreaterThan(0);
    expect(remote.spent_micros).toBe(local.spent_micros);
    const events = await panelEvents(id);
    expect(events).toHaveLength(8);
    expect(events.filter((e) => e.type === "llm_call")).toHaveLength(6);
    expect(events.filter((e) => e.type === "llm_error")).toHaveLength(1);
    expect(events.filter((e) => e.type === "budget_exceeded")).toHaveLength(1);
    expect(local.telemetry.state).toBe("enabled");
    await rt.stop();
  });

  it("panel down: calls still succeed, telemetry disables after 3 failures, and a restart delivers every event exactly once", async () => {
    const { id, token, stateDir, rt } = await verifiedRuntime(5_000_000);
    fake.usage = { input: 500, cached: 0, cacheWrite: 0, output: 50 };
    await someCalls(rt, 2);
    await waitFor("the first events to be delivered", async () => (await rt.status()).telemetry.sent === 2);

    await panel.stop();
    await someCalls(rt, 10);
    await waitFor("telemetry to disable itself", async () => (await rt.status()).telemetry.state === "disabled");
    const disabled = await rt.status();
    expect(disabled.telemetry.consecutive_failures).toBe(3);
    expect(disabled.telemetry.reason).toMatch(/3 consecutive failed attempts/);
    expect(disabled.telemetry.queued).toBe(10);
    await someCalls(rt, 2); // still fine, and queued
    expect((await rt.status()).telemetry.queued).toBe(12);
    const localSpent = (await rt.status()).spent_micros;
    await rt.stop();
    expect(rt.proc.output().match(/telemetry disabled for this process/g)).toHaveLength(1);

    await panel.start();
    const again = await runtimeFor(token, stateDir);
    await waitFor("the queue to drain after the restart", async () => (await again.status()).telemetry.queued === 0);
    const events = await panelEvents(id);
    expect(events).toHaveLength(14);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(14);
    expect((await panel.get<TokenView>(`/api/tokens/${id}`)).spent_micros).toBe(localSpent);
    expect((await again.status()).spent_micros).toBe(localSpent);
    await again.stop();
  });

  it("a kill -9 right after one answer and during another: after the restart the panel has both, once each (exact cost, reservation)", async () => {
    const { id, token, stateDir, rt } = await verifiedRuntime(5_000_000);
    fake.usage = { input: 432, cached: 0, cacheWrite: 0, output: 21 };
    const answered = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 4000));
    expect(answered.status).toBe(200);
    let release!: () => void;
    fake.holdAnswer = new Promise<void>((resolve) => (release = resolve));
    const hits = fake.totalHits();
    const held = post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 4000)).catch(() => undefined);
    await waitFor("the second call to reach the upstream", () => fake.totalHits() > hits);
    const reserved = (await rt.status()).reserved_micros;
    process.kill(-rt.proc.child.pid!, "SIGKILL");
    await rt.proc.exited;
    fake.holdAnswer = undefined;
    release();
    await held;

    const again = await runtimeFor(token, stateDir);
    await waitFor("the queue to drain after the restart", async () => (await again.status()).telemetry.queued === 0);
    const events = await panelEvents(id);
    const cost = Number(answered.headers.get("x-iron-cost-micros"));
    expect(events.map((e) => e.cost_micros).sort((a, b) => a - b)).toEqual([cost, reserved].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.event_id)).size).toBe(2);
    expect((await panel.get<TokenView>(`/api/tokens/${id}`)).spent_micros).toBe(cost + reserved);
    expect((await again.status()).spent_micros).toBe(cost + reserved);
    await again.stop();
  });

  it("takes a top-up from the panel: a call refused for budget passes once the panel raises it", async () => {
    const { id, rt } = await verifiedRuntime(1000);
    const body = chat("gpt-4o-mini", 3000); // reserves more than 1800 micros of output
    const hits = fake.totalHits();
    expect((await post(`${rt.url}/openai/v1/chat/completions`, body)).status).toBe(402);
    expect(fake.totalHits()).toBe(hits);
    await panel.topUp(id, 1_000_000);
    await waitFor("the runtime to see the new budget", async () => (await rt.status()).budget_micros === 1_001_000);
    expect((await post(`${rt.url}/openai/v1/chat/completions`, body)).status).toBe(200);
    await rt.stop();
  });

  it("lost acknowledgements: the panel ingested a batch but the runtime never heard; the resend counts once", async () => {
    const proxy = await startAckDroppingProxy(2);
    const { id, token } = await panel.issueToken(5_000_000);
    const rt = await runtimeFor(token, tempDir(), proxy.url);
    await waitFor("the token to be verified with the panel's JWKS", async () => (await rt.status()).token.verification === "verified");
    fake.usage = { input: 321, cached: 0, cacheWrite: 0, output: 12 };
    await someCalls(rt, 5);
    await waitFor("the queue to drain", async () => (await rt.status()).telemetry.queued === 0);
    expect(proxy.dropped()).toBe(2);
    const events = await panelEvents(id);
    expect(events).toHaveLength(5);
    expect((await panel.get<TokenView>(`/api/tokens/${id}`)).spent_micros).toBe((await rt.status()).spent_micros);
    expect((await rt.status()).telemetry.state).toBe("enabled");
    await rt.stop();
    await proxy.close();
  });

  it("revocation: the spend incurred before the runtime heard of it reaches the panel exactly once; then calls are refused", async () => {
    const { id, token } = await panel.issueToken(5_000_000);
    // Telemetry every 3 s and no budget refresh: the runtime learns of the revocation from the telemetry answer.
    const rt = await runtimeFor(token, tempDir(), panel.url, { intervalMs: 3000, refreshMs: 3_600_000 });
    await waitFor("the token to be verified with the panel's JWKS", async () => (await rt.status()).token.verification === "verified");
    fake.usage = { input: 700, cached: 0, cacheWrite: 0, output: 40 };
    expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 100))).status).toBe(200); // before
    await panel.revoke(id);
    expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 100))).status).toBe(200); // not yet known
    expect((await rt.status()).telemetry.queued).toBe(2);

    await waitFor("the runtime to learn of the revocation", async () => (await rt.status()).token.status === "revoked", 20_000);
    const local = await rt.status();
    expect(local.telemetry).toMatchObject({ state: "enabled", queued: 0 });
    const hits = fake.totalHits();
    const refused = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: { code: "token_revoked" } });
    expect(fake.totalHits()).toBe(hits);

    const remote = await panel.get<TokenView>(`/api/tokens/${id}`);
    expect(remote).toMatchObject({ status: "revoked", spent_micros: local.spent_micros });
    const events = await panelEvents(id);
    expect(events.map((e) => e.type)).toEqual(["llm_call", "llm_call"]);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(2);
    expect(events.reduce((sum, e) => sum + e.cost_micros, 0)).toBe(local.spent_micros);
    await rt.stop();
  });

  it("refuses a revoked token once the panel says so, also after a restart", async () => {
    const { id, token, stateDir, rt } = await verifiedRuntime(5_000_000);
    await someCalls(rt, 1);
    await panel.revoke(id);
    await waitFor("the runtime to learn of the revocation", async () => (await rt.status()).token.status === "revoked");
    const hits = fake.totalHits();
    const refused = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: { code: "token_revoked" } });
    expect(fake.totalHits()).toBe(hits);
    const spent = (await rt.status()).spent_micros;
    await rt.stop();

    const again = await runtimeFor(token, stateDir);
    expect((await again.status()).spent_micros).toBe(spent);
    expect((await post(`${again.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(403);
    expect(fake.totalHits()).toBe(hits);
    await again.stop();
  });
});
