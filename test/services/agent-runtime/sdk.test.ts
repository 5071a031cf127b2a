import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { createRuntime, type AgentRuntime } from "@iron/agent-runtime";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";
import { createTestIssuer, type TestIssuer } from "../../support/agent-token.js";
import { tempDir } from "./helpers.js";

let fake: FakeLlm;
let issuer: TestIssuer;
let runtime: AgentRuntime;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  issuer = await createTestIssuer();
  const { token } = await issuer.issue(2000);
  runtime = await createRuntime({ token, stateDir: tempDir(), jwksFile: issuer.writeJwks(`${tempDir()}/jwks.json`), logLevel: "silent" });
  client = new OpenAI({ apiKey: "sk-agent-own-key", baseURL: fake.openaiBaseUrl, fetch: runtime.fetch, maxRetries: 0 });
});
afterAll(async () => {
  await runtime.close();
  await fake.close();
});

describe("SDK: new OpenAI({ fetch: runtime.fetch })", () => {
  it("prices a completion made by the official client and forwards the client's own key", async () => {
    fake.usage = { input: 1000, cached: 200, cacheWrite: 0, output: 500 };
    const completion = await client.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 600, messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]?.message.content).toBe("hello");
    expect(fake.lastRequest["/v1/chat/completions"]?.headers.authorization).toBe("Bearer sk-agent-own-key");
    expect(runtime.status().spent_micros).toBe(435);
  });

  it("streams through the official client and captures the usage", async () => {
    fake.usage = { input: 100, cached: 0, cacheWrite: 0, output: 20 };
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("hello");
    expect(runtime.status().spent_micros).toBe(435 + 27);
    expect(runtime.runtime.ledger()).toHaveLength(2);
  });

  it("turns an over-budget call into a 402 APIError without calling upstream", async () => {
    const hits = fake.totalHits();
    const call = client.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 5000, messages: [{ role: "user", content: "hi" }] });
    await expect(call).rejects.toMatchObject({ status: 402 });
    await expect(call).rejects.toThrow(/lower max_tokens/);
    expect(fake.totalHits()).toBe(hits);
  });

  it("enforces Anthropic's messages endpoint through the same fetch", async () => {
    fake.usage = { input: 1000, cached: 300, cacheWrite: 200, output: 100 };
    const before = runtime.status().spent_micros;
    const res = await runtime.fetch(`${fake.anthropicBaseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "agent-key", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-3-5-haiku", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    // 500 × $0.80/M + 300 × $0.08/M + 200 × $1/M + 100 × $4/M
    expect(res.headers.get("x-iron-cost-micros")).toBe("1024");
    expect(runtime.status().spent_micros - before).toBe(1024);
    expect(fake.lastRequest["/v1/messages"]?.headers["x-api-key"]).toBe("agent-key");
  });

  it("refuses endpoints it cannot price and passes GETs through", async () => {
    const refused = await runtime.fetch(`${fake.openaiBaseUrl}/images/generations`, { method: "POST", body: "{}" });
    expect(refused.status).toBe(403);
    const passed = await runtime.fetch(`${fake.openaiBaseUrl}/models`);
    expect(passed.status).toBe(404); // the fake has no /models: the answer is the upstream's own
    expect(fake.hits["/v1/models"]).toBe(1);
  });
});
