import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { createRuntime, type AgentRuntime } from "@iron/agent-runtime";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";
import { createTestIssuer, type TestIssuer } from "../../support/agent-token.js";
import { waitFor } from "../../support/processes.js";
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

describe("SDK: runtime.fetch in the official OpenAI and Anthropic clients", () => {
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

  it("works as the fetch of the official Anthropic client, streaming included", async () => {
    const anthropic = new Anthropic({ apiKey: "agent-key", baseURL: fake.anthropicBaseUrl, fetch: runtime.fetch, maxRetries: 0 });
    fake.usage = { input: 1000, cached: 300, cacheWrite: 200, output: 100 };
    const before = runtime.status().spent_micros;
    const message = await anthropic.messages.create({ model: "claude-3-5-haiku", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text", text: "hello" });
    // 500 × $0.80/M + 300 × $0.08/M + 200 × $1/M + 100 × $4/M
    expect(runtime.status().spent_micros - before).toBe(1024);
    // The client's own credential goes upstream untouched (this client version sends it as a bearer token).
    const sent = fake.lastRequest["/v1/messages"]?.headers;
    expect(String(sent?.authorization ?? sent?.["x-api-key"])).toContain("agent-key");

    fake.usage = { input: 10, cached: 0, cacheWrite: 0, output: 5 };
    const stream = await anthropic.messages.create({ model: "claude-3-5-haiku", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi" }] });
    const kinds: string[] = [];
    for await (const event of stream) kinds.push(event.type);
    expect(kinds).toContain("message_stop");
    expect(runtime.status().spent_micros - before).toBe(1024 + 28); // 10 × $0.80/M + 5 × $4/M = 28
  });

  it("keeps the query string of the client's URL (Azure-style api-version) on the way upstream", async () => {
    const azureLike = new OpenAI({ apiKey: "k", baseURL: fake.openaiBaseUrl, defaultQuery: { "api-version": "2024-10-21" }, fetch: runtime.fetch, maxRetries: 0 });
    fake.usage = { input: 10, cached: 0, cacheWrite: 0, output: 5 };
    const before = runtime.status().spent_micros;
    await azureLike.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(fake.hits["/v1/chat/completions?api-version=2024-10-21"]).toBe(1);
    expect(runtime.status().spent_micros - before).toBe(5); // 10 × $0.15/M + 5 × $0.60/M = 4.5 → 5 (rounded up)
  });

  it("refuses endpoints it cannot price and passes GETs through", async () => {
    const refused = await runtime.fetch(`${fake.openaiBaseUrl}/images/generations`, { method: "POST", body: "{}" });
    expect(refused.status).toBe(403);
    const passed = await runtime.fetch(`${fake.openaiBaseUrl}/models`);
    expect(passed.status).toBe(404); // the fake has no /models: the answer is the upstream's own
    expect(fake.hits["/v1/models"]).toBe(1);
  });

  it("cuts the upstream call when the client aborts it, and charges the reservation (the request went out)", async () => {
    const before = runtime.status();
    const abandoned = fake.abandoned;
    let release!: () => void;
    fake.holdAnswer = new Promise<void>((resolve) => (release = resolve));
    try {
      const abort = new AbortController();
      const call = client.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { signal: abort.signal }).catch((err: unknown) => err);
      await waitFor("the call to reach the upstream", async () => runtime.status().calls_in_flight === 1);
      abort.abort();
      expect(await call).toBeInstanceOf(Error);
      await waitFor("the runtime to close the upstream call", async () => fake.abandoned === abandoned + 1);
      await waitFor("the call to settle", async () => runtime.status().calls_in_flight === 0);
      expect(runtime.status().spent_micros).toBeGreaterThan(before.spent_micros);
      expect(runtime.status().calls).toBe(before.calls + 1);
    } finally {
      fake.holdAnswer = undefined;
      release();
    }
  });
});

