import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runRuntimeCli, startRuntimeProcess, type RuntimeProcess } from "../../support/agent-runtime.js";
import { chat, post, tempDir, usePeers } from "./helpers.js";

const peers = usePeers();
beforeEach(() => {
  peers.fake.usage = { input: 100, cached: 0, cacheWrite: 0, output: 20 };
  peers.fake.failWith = undefined;
  peers.fake.dropRequests = false;
});

async function runtimeWithBudget(budgetMicros: number, stateDir = tempDir(), token?: string, env: Record<string, string> = {}): Promise<RuntimeProcess & { token: string; stateDir: string }> {
  const t = token ?? (await peers.issuer.issue(budgetMicros)).token;
  const rt = await startRuntimeProcess({
    token: t,
    stateDir,
    args: ["--jwks-file", peers.jwksFile, "--openai-base-url", peers.fake.openaiBaseUrl, "--anthropic-base-url", peers.fake.anthropicBaseUrl, "--log-level", "warn"],
    env,
  });
  return { ...rt, token: t, stateDir };
}

describe("pricing through the daemon", () => {
  let rt: RuntimeProcess;
  beforeAll(async () => {
    rt = await runtimeWithBudget(10_000_000);
  });
  afterAll(() => rt.stop());

  it("prices an OpenAI chat completion exactly, cached input included", async () => {
    peers.fake.usage = { input: 1000, cached: 200, cacheWrite: 0, output: 500 };
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 600));
    expect(res.status).toBe(200);
    // 800 × $0.15/M + 200 × $0.075/M + 500 × $0.60/M = 435 micro-USD
    expect(res.headers.get("x-iron-cost-micros")).toBe("435");
  });

  it("prices an Anthropic message exactly, cache reads and writes (5-minute and 1-hour) included", async () => {
    peers.fake.usage = { input: 1000, cached: 300, cacheWrite: 200, cacheWrite1h: 50, output: 100 };
    const res = await post(`${rt.url}/anthropic/v1/messages`, chat("claude-sonnet-4-20250514", 200));
    expect(res.status).toBe(200);
    // 500 × $3/M + 300 × $0.30/M + 150 × $3.75/M + 50 × $6/M + 100 × $15/M = 3952.5 micro-USD, rounded up
    expect(res.headers.get("x-iron-cost-micros")).toBe("3953");
  });

  it("prices responses and embeddings, rounding a fraction of a micro up", async () => {
    peers.fake.usage = { input: 1000, cached: 0, cacheWrite: 0, output: 100 };
    const responses = await post(`${rt.url}/openai/v1/responses`, { model: "gpt-4.1", input: "hi", max_output_tokens: 200 });
    expect(responses.headers.get("x-iron-cost-micros")).toBe("2800");
    peers.fake.usage = { input: 1234, cached: 0, cacheWrite: 0, output: 0 };
    const embeddings = await post(`${rt.url}/openai/v1/embeddings`, { model: "text-embedding-3-small", input: "hi" });
    expect(embeddings.headers.get("x-iron-cost-micros")).toBe("25"); // 1234 × $0.02/M = 24.68
  });

  it("keeps every call in the status totals", async () => {
    const status = await rt.status();
    expect(status.spent_micros).toBe(435 + 3953 + 2800 + 25);
    expect(status.calls).toBe(4);
    expect(status.reserved_micros).toBe(0);
    const cli = await runRuntimeCli(["status", "--url", rt.url, "--json"], {});
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.output)).toMatchObject({ spent_micros: status.spent_micros, calls: 4 });
    const human = await runRuntimeCli(["status", "--url", rt.url], {});
    expect(human.output).toMatch(/spent \$0\.007213/);
  });

  it("forwards the query string of the agent's request (Azure-style api-version) upstream", async () => {
    const res = await post(`${rt.url}/openai/v1/chat/completions?api-version=2024-10-21`, chat("gpt-4o-mini", 50));
    expect(res.status).toBe(200);
    expect(peers.fake.hits["/v1/chat/completions?api-version=2024-10-21"]).toBe(1);
  });

  it("sends the configured provider key upstream instead of the caller's, and lets flags win over the environment", async () => {
    // The upstream flags point at the fake; these variables point nowhere, so a call only succeeds if the flags win.
    const keyed = await runtimeWithBudget(1_000_000, tempDir(), undefined, {
      OPENAI_API_KEY: "sk-from-env", ANTHROPIC_API_KEY: "ak-from-env",
      IRON_OPENAI_BASE_URL: "http://127.0.0.1:9/v1", IRON_ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    });
    expect((await post(`${keyed.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10), { authorization: "Bearer sk-agent" })).status).toBe(200);
    expect(peers.fake.lastRequest["/v1/chat/completions"]?.headers.authorization).toBe("Bearer sk-from-env");
    await post(`${keyed.url}/anthropic/v1/messages`, chat("claude-3-5-haiku", 10), { "x-api-key": "agent-key" });
    expect(peers.fake.lastRequest["/v1/messages"]?.headers["x-api-key"]).toBe("ak-from-env");
    expect(peers.fake.lastRequest["/v1/messages"]?.headers["anthropic-version"]).toBe("2023-06-01");
    expect(keyed.proc.output()).not.toContain("from-env");
    expect(keyed.proc.output()).not.toContain(keyed.token);
    await keyed.stop();
  });

  it("refuses unknown models, bad JSON and unknown paths without calling upstream, and stays up", async () => {
    const before = peers.fake.totalHits();
    const unknown = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-99-imaginary", 10));
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ error: { code: "unknown_model" } });
    expect(JSON.stringify(unknown.json)).toContain("--prices-file");
    expect((await post(`${rt.url}/openai/v1/chat/completions`, "{not json")).status).toBe(400);
    expect((await post(`${rt.url}/openai/v1/chat/completions`, { messages: [] })).json).toMatchObject({ error: { code: "bad_request" } });
    expect((await post(`${rt.url}/openai/v1/images/generations`, { model: "dall-e-3" })).status).toBe(404);
    expect((await fetch(`${rt.url}/openai/v1/chat/completions`)).status).toBe(405);
    expect(peers.fake.totalHits()).toBe(before);
    expect((await fetch(`${rt.url}/healthz`)).status).toBe(200);
  });

  it("does not charge a call the provider failed", async () => {
    const before = (await rt.status()).spent_micros;
    peers.fake.failWith = 500;
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(res.status).toBe(500);
    expect((await rt.status()).spent_micros).toBe(before);
  });
});

describe("an unreachable upstream", () => {
  it("answers 502 and charges nothing", async () => {
    const { token } = await peers.issuer.issue(1_000_000);
    const rt = await startRuntimeProcess({ token, stateDir: tempDir(), args: ["--jwks-file", peers.jwksFile, "--openai-base-url", "http://127.0.0.1:9/v1", "--log-level", "warn"] });
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: { code: "upstream_unreachable" } });
    expect(await rt.status()).toMatchObject({ spent_micros: 0, reserved_micros: 0, calls: 1 });
    await rt.stop();
  });
});

describe("an upstream that takes the request and gives no answer", () => {
  it("answers 502 and charges the reservation: the provider may bill what it received", async () => {
    const rt = await runtimeWithBudget(1_000_000);
    peers.fake.dropRequests = true;
    const hits = peers.fake.totalHits();
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: { code: "upstream_failed" } });
    expect(peers.fake.totalHits()).toBe(hits + 1);
    const status = await rt.status();
    expect(status).toMatchObject({ reserved_micros: 0, calls: 1 });
    // Charged what it reserved: the budget less what remained once it had reserved.
    expect(status.spent_micros).toBeGreaterThan(0);
    expect(status.spent_micros).toBe(1_000_000 - Number(res.headers.get("x-iron-budget-remaining-micros")));
    await rt.stop();
  });
});

describe("an agent's Expect: 100-continue", () => {
  it("is answered by the runtime and not sent upstream (undici refuses it)", async () => {
    const rt = await runtimeWithBudget(1_000_000);
    const body = JSON.stringify(chat("gpt-4o-mini", 10));
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${rt.url}/openai/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", expect: "100-continue" } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("continue", () => req.end(body));
      req.on("error", reject);
    });
    expect(status, text).toBe(200);
    expect(peers.fake.lastRequest["/v1/chat/completions"]?.headers.expect).toBeUndefined();
    await rt.stop();
  });
});

describe("budget enforcement", () => {
  it("answers 402 for the call that would exceed the budget, without calling upstream", async () => {
    const rt = await runtimeWithBudget(1000);
    // gpt-4o-mini: 100 in + 20 out = 27 micros; a max_tokens of 1000 reserves ≥ 600 micros of output.
    const ok = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 1000));
    expect(ok.status).toBe(200);
    const hits = peers.fake.totalHits();
    const refused = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 2000));
    expect(refused.status).toBe(402);
    expect(refused.json).toMatchObject({ error: { code: "budget_exceeded", details: { budget_micros: 1000, spent_micros: 27, remaining_micros: 973 } } });
    expect(peers.fake.totalHits()).toBe(hits);
    const status = await rt.status();
    expect(status.spent_micros).toBe(27);
    await rt.stop();
  });

  it("50 parallel calls against a small budget never overspend", async () => {
    const budget = 2000;
    const rt = await runtimeWithBudget(budget);
    // Each call costs about what it reserves: 100 prompt tokens and the full 1000 output tokens (15 + 600 micros).
    peers.fake.usage = { input: 100, cached: 0, cacheWrite: 0, output: 1000 };
    const hits = peers.fake.totalHits();
    const results = await Promise.all(Array.from({ length: 50 }, () => post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 1000))));
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 402).length;
    expect(ok + refused).toBe(50);
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(peers.fake.totalHits() - hits).toBe(ok);
    const status = await rt.status();
    expect(status.spent_micros).toBe(ok * 615);
    expect(status.spent_micros).toBeLessThanOrEqual(budget);
    expect(status.reserved_micros).toBe(0);
    await rt.stop();
  });

  it("warns at 90% with a response header", async () => {
    // The first call reserves about 614 micros of 650 (94%) and settles at 615.
    const rt = await runtimeWithBudget(650);
    peers.fake.usage = { input: 100, cached: 0, cacheWrite: 0, output: 1000 };
    const first = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 1000));
    expect(first.status).toBe(200);
    expect(first.headers.get("x-iron-budget-warning")).toMatch(/% of the token's budget/);
    peers.fake.usage = { input: 10, cached: 0, cacheWrite: 0, output: 1 };
    const second = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 1));
    expect(second.headers.get("x-iron-budget-warning")).toMatch(/^\d+% of the token's budget/);
    await rt.stop();
    expect(rt.proc.output()).toContain("90% of the token's budget is spent");
  });

  it("a restart keeps the spend and counts nothing twice", async () => {
    const stateDir = tempDir();
    const first = await runtimeWithBudget(1000, stateDir);
    expect((await post(`${first.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    expect((await post(`${first.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    await first.stop();
    const second = await runtimeWithBudget(1000, stateDir, first.token);
    const status = await second.status();
    expect(status.spent_micros).toBe(54);
    expect(status.calls).toBe(2);
    // 973 would fit a 950-micro reservation before the restart's spend is counted; 946 does not.
    const refused = await post(`${second.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 1560));
    expect(refused.status).toBe(402);
    await second.stop();
  });

  it("refuses a second runtime on the same state dir", async () => {
    const stateDir = tempDir();
    const first = await runtimeWithBudget(1000, stateDir);
    await expect(runtimeWithBudget(1000, stateDir, first.token)).rejects.toThrow(/in use by another iron-runtime/);
    await first.stop();
  });
});
