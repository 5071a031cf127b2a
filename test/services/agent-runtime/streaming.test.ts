import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";
import { createTestIssuer } from "../../support/agent-token.js";
import { startRuntimeProcess, type RuntimeProcess } from "../../support/agent-runtime.js";
import { stopAll, waitFor } from "../../support/processes.js";
import { chat, tempDir } from "./helpers.js";

let fake: FakeLlm;
let rt: RuntimeProcess;

beforeAll(async () => {
  fake = await startFakeLlm();
  const issuer = await createTestIssuer();
  const { token } = await issuer.issue(10_000_000);
  rt = await startRuntimeProcess({
    token,
    stateDir: tempDir(),
    args: ["--jwks-file", issuer.writeJwks(join(tempDir(), "jwks.json")), "--openai-base-url", fake.openaiBaseUrl, "--anthropic-base-url", fake.anthropicBaseUrl, "--log-level", "warn"],
  });
});
afterAll(async () => {
  await stopAll();
  await fake.close();
});

/** Holds the fake's streams after their first event until `release()`. */
function holdStreams(): () => void {
  let release!: () => void;
  fake.holdStream = new Promise<void>((resolve) => (release = resolve));
  return () => {
    fake.holdStream = undefined;
    release();
  };
}

async function openStream(path: string, body: unknown, signal?: AbortSignal) {
  const res = await fetch(`${rt.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  return { res, reader: res.body!.getReader(), decoder: new TextDecoder() };
}

async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>, decoder: InstanceType<typeof TextDecoder>): Promise<string> {
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

describe("streaming", () => {
  it("relays an OpenAI stream chunk by chunk and prices it from the usage it asked for", async () => {
    fake.usage = { input: 1000, cached: 200, cacheWrite: 0, output: 500 };
    const release = holdStreams();
    const { reader, decoder } = await openStream("/openai/v1/chat/completions", chat("gpt-4o-mini", 600, { stream: true }));
    // The upstream is still holding the rest of its stream: this first chunk can only arrive if the proxy does not buffer.
    const first = await reader.read();
    expect(decoder.decode(first.value)).toContain('"content":"hel"');
    const mid = await rt.status();
    expect(mid.calls_in_flight).toBe(1);
    expect(mid.reserved_micros).toBeGreaterThan(0);
    release();
    const rest = await readRest(reader, decoder);
    expect(rest).toContain("data: [DONE]");
    expect(rest).toContain('"usage":{"prompt_tokens":1000');
    // The runtime asked the upstream for usage in the stream.
    expect(fake.lastRequest["/v1/chat/completions"]?.body.stream_options).toEqual({ include_usage: true });
    await waitFor("the stream to settle", async () => (await rt.status()).calls_in_flight === 0);
    expect((await rt.status()).spent_micros).toBe(435);
  });

  it("relays an Anthropic stream and takes output tokens from message_delta", async () => {
    fake.usage = { input: 1000, cached: 300, cacheWrite: 200, output: 100 };
    const before = (await rt.status()).spent_micros;
    const release = holdStreams();
    const { reader, decoder } = await openStream("/anthropic/v1/messages", chat("claude-sonnet-4", 200, { stream: true }));
    expect(decoder.decode((await reader.read()).value)).toContain("message_start");
    release();
    expect(await readRest(reader, decoder)).toContain("message_stop");
    await waitFor("the stream to settle", async () => (await rt.status()).calls_in_flight === 0);
    expect((await rt.status()).spent_micros - before).toBe(3840);
  });

  it("prices a Responses API stream from response.completed", async () => {
    fake.usage = { input: 1000, cached: 0, cacheWrite: 0, output: 100 };
    const before = (await rt.status()).spent_micros;
    const { reader, decoder } = await openStream("/openai/v1/responses", { model: "gpt-4.1", input: "hi", stream: true, max_output_tokens: 200 });
    expect(await readRest(reader, decoder)).toContain("response.completed");
    await waitFor("the stream to settle", async () => (await rt.status()).calls_in_flight === 0);
    expect((await rt.status()).spent_micros - before).toBe(2800);
  });

  it("charges the full reservation when the agent hangs up before the usage arrives", async () => {
    fake.usage = { input: 100, cached: 0, cacheWrite: 0, output: 20 };
    const before = await rt.status();
    const release = holdStreams();
    const abort = new AbortController();
    const { reader } = await openStream("/openai/v1/chat/completions", chat("gpt-4o-mini", 1000, { stream: true }), abort.signal);
    await reader.read();
    const reserved = (await rt.status()).reserved_micros;
    expect(reserved).toBeGreaterThan(600);
    abort.abort();
    await waitFor("the broken-off stream to settle", async () => (await rt.status()).calls_in_flight === 0);
    release();
    const after = await rt.status();
    expect(after.spent_micros - before.spent_micros).toBe(reserved);
    expect(after.calls - before.calls).toBe(1);
  });

  it("holds back a fast stream while the agent does not read, and relays every byte once it does", async () => {
    const total = 64 * 1024 * 1024;
    fake.bulkStream = { bytes: total, eventBytes: 256 * 1024 };
    fake.streamedBytes = 0;
    try {
      const before = await rt.status();
      const { reader, decoder } = await openStream("/openai/v1/chat/completions", chat("gpt-4o-mini", 100, { stream: true }));
      // The agent reads nothing: once the sockets on the way are full the upstream waits, instead of the runtime taking it all in.
      let written = -1;
      await waitFor("the upstream to stop writing", async () => {
        const now = fake.streamedBytes;
        const still = now === written;
        written = now;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return still;
      });
      expect(written).toBeLessThan(total / 2);
      let content = 0;
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        const lines = text.split("\n");
        text = lines.pop()!;
        for (const line of lines) if (line.startsWith("data: {")) content += ((JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "").length;
      }
      expect(content).toBe(Math.ceil(total / (256 * 1024)) * 256 * 1024 + "hello".length);
      await waitFor("the stream to settle", async () => (await rt.status()).calls_in_flight === 0);
      expect((await rt.status()).calls - before.calls).toBe(1);
    } finally {
      fake.bulkStream = undefined;
    }
  });

  it("cuts the upstream call when the agent hangs up before the answer, and charges the reservation", async () => {
    const before = await rt.status();
    const abandoned = fake.abandoned;
    let release!: () => void;
    fake.holdAnswer = new Promise<void>((resolve) => (release = resolve));
    try {
      const abort = new AbortController();
      const sent = fetch(`${rt.url}/openai/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat("gpt-4o-mini", 1000)), signal: abort.signal }).catch((err: Error) => err);
      await waitFor("the call to reach the upstream", async () => (await rt.status()).calls_in_flight === 1);
      const reserved = (await rt.status()).reserved_micros;
      abort.abort();
      expect(await sent).toBeInstanceOf(Error);
      await waitFor("the runtime to close the upstream call", async () => fake.abandoned === abandoned + 1);
      await waitFor("the call to settle", async () => (await rt.status()).calls_in_flight === 0);
      const after = await rt.status();
      expect(after.spent_micros - before.spent_micros).toBe(reserved);
      expect(after.calls - before.calls).toBe(1);
    } finally {
      fake.holdAnswer = undefined;
      release();
    }
  });
});
