import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";

/** Token counts the fake reports for the next calls (OpenAI and Anthropic shapes are derived from it). */
export interface FakeUsage {
  input: number;
  cached: number;
  /** Anthropic only: prompt tokens written to the cache, of which `cacheWrite1h` with the 1-hour lifetime. */
  cacheWrite: number;
  cacheWrite1h?: number;
  output: number;
}

export interface FakeLlm {
  /** `http://127.0.0.1:<port>/v1`: the OpenAI base URL. */
  openaiBaseUrl: string;
  /** `http://127.0.0.1:<port>`: the Anthropic base URL. */
  anthropicBaseUrl: string;
  /** Calls that reached the fake, per path. */
  hits: Record<string, number>;
  totalHits(): number;
  /** The last request body and headers each path received. */
  lastRequest: Record<string, { body: Record<string, unknown>; headers: IncomingMessage["headers"] }>;
  usage: FakeUsage;
  /** When set, the usage of each call is computed from its request (path, parsed body, body size in bytes) instead of `usage`. */
  usageFor: ((path: string, body: Record<string, unknown>, bytes: number) => FakeUsage) | undefined;
  /** When set, a stream sends its first event and then waits for this promise before sending the rest. */
  holdStream: Promise<void> | undefined;
  /** When set, a whole (non-streamed) answer waits for this promise before it is sent. */
  holdAnswer: Promise<void> | undefined;
  /** Milliseconds between a stream's events (0: all at once), as a provider paces its tokens. */
  streamGapMs: number;
  /** When set, the next calls answer with this status and an error body. */
  failWith: number | undefined;
  /** When set, a chat-completion stream carries this many bytes of content (in events of `eventBytes`) before its usage, written as the reader takes them. */
  bulkStream: { bytes: number; eventBytes: number } | undefined;
  /** Bytes of stream events the fake has handed to its sockets so far. */
  streamedBytes: number;
  /** Answers whose connection closed before the fake finished them (the caller went away). */
  abandoned: number;
  /** When set, the fake reads each request whole and then cuts the connection without answering. */
  dropRequests: boolean;
  close(): Promise<void>;
}

/**
 * A fake OpenAI + Anthropic upstream on 127.0.0.1 (a test peer, not a mock of
 * our code): chat completions, responses and embeddings in OpenAI's shapes,
 * messages in Anthropic's, each with streaming (SSE) where the API has it.
 */
export async function startFakeLlm(): Promise<FakeLlm> {
  const fake: FakeLlm = {
    openaiBaseUrl: "",
    anthropicBaseUrl: "",
    hits: {},
    totalHits: () => Object.values(fake.hits).reduce((a, b) => a + b, 0),
    lastRequest: {},
    usage: { input: 100, cached: 0, cacheWrite: 0, output: 20 },
    usageFor: undefined,
    holdStream: undefined,
    holdAnswer: undefined,
    streamGapMs: 0,
    failWith: undefined,
    bulkStream: undefined,
    streamedBytes: 0,
    abandoned: 0,
    dropRequests: false,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      fake.hits[path] = (fake.hits[path] ?? 0) + 1;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        /* keep {} */
      }
      fake.lastRequest[path] = { body, headers: req.headers };
      if (fake.dropRequests) return void req.socket.destroy();
      res.once("close", () => {
        if (!res.writableFinished) fake.abandoned += 1;
      });
      const route = path.split("?")[0]!; // hits and lastRequest keep the query; answers go by path
      const usage = fake.usageFor ? fake.usageFor(route, body, Buffer.concat(chunks).length) : fake.usage;
      void answer(fake, route, body, usage, res);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  fake.openaiBaseUrl = `http://127.0.0.1:${port}/v1`;
  fake.anthropicBaseUrl = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return fake;
}

async function answer(fake: FakeLlm, path: string, body: Record<string, unknown>, u: FakeUsage, res: ServerResponse): Promise<void> {
  if (fake.failWith) return json(res, fake.failWith, { error: { message: "fake upstream failure", type: "server_error" } });
  const model = String(body.model ?? "");
  const stream = body.stream === true;
  if (!stream && fake.holdAnswer) await fake.holdAnswer;
  switch (path) {
    case "/v1/chat/completions": {
      const usage = { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output, prompt_tokens_details: { cached_tokens: u.cached } };
      if (!stream) return json(res, 200, { id: "chatcmpl-1", object: "chat.completion", model, choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }], usage });
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const base = { id: "chatcmpl-1", object: "chat.completion.chunk", model };
      const events = [
        { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "hel" }, finish_reason: null }], ...(includeUsage ? { usage: null } : {}) },
        { ...base, choices: [{ index: 0, delta: { content: "lo" }, finish_reason: null }], ...(includeUsage ? { usage: null } : {}) },
        ...bulkEvents(fake, base, includeUsage),
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], ...(includeUsage ? { usage: null } : {}) },
        ...(includeUsage ? [{ ...base, choices: [], usage }] : []),
      ];
      return sse(fake, res, events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat("data: [DONE]\n\n"));
    }
    case "/v1/responses": {
      const usage = { input_tokens: u.input, input_tokens_details: { cached_tokens: u.cached }, output_tokens: u.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: u.input + u.output };
      const response = { id: "resp_1", object: "response", model, status: "completed", output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "hello" }] }], usage };
      if (!stream) return json(res, 200, response);
      return sse(fake, res, [
        `event: response.created\ndata: ${JSON.stringify({ type: "response.created", response: { ...response, status: "in_progress", usage: null } })}\n\n`,
        `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "hello" })}\n\n`,
        `event: response.completed\ndata: ${JSON.stringify({ type: "response.completed", response })}\n\n`,
      ]);
    }
    case "/v1/embeddings":
      return json(res, 200, { object: "list", model, data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }], usage: { prompt_tokens: u.input, total_tokens: u.input } });
    case "/v1/messages": {
      const uncached = u.input - u.cached - u.cacheWrite;
      const oneHour = u.cacheWrite1h ?? 0;
      const usage = {
        input_tokens: uncached, cache_creation_input_tokens: u.cacheWrite, cache_read_input_tokens: u.cached, output_tokens: u.output,
        cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite - oneHour, ephemeral_1h_input_tokens: oneHour },
      };
      const message = { id: "msg_1", type: "message", role: "assistant", model, content: [{ type: "text", text: "hello" }], stop_reason: "end_turn", usage };
      if (!stream) return json(res, 200, message);
      return sse(fake, res, [
        `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } })}\n\n`,
        `event: content_block_start\ndata: ${JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })}\n\n`,
        `event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hello" } })}\n\n`,
        `event: content_block_stop\ndata: ${JSON.stringify({ type: "content_block_stop", index: 0 })}\n\n`,
        `event: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: u.output } })}\n\n`,
        `event: message_stop\ndata: ${JSON.stringify({ type: "message_stop" })}\n\n`,
      ]);
    }
    default:
      return json(res, 404, { error: { message: `fake has no ${path}` } });
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** The content events of `bulkStream`: deltas of "x" adding up to its bytes. */
function bulkEvents(fake: FakeLlm, base: Record<string, unknown>, includeUsage: boolean): Record<string, unknown>[] {
  if (!fake.bulkStream) return [];
  const { bytes, eventBytes } = fake.bulkStream;
  const content = "x".repeat(eventBytes);
  return Array.from({ length: Math.ceil(bytes / eventBytes) }, () => ({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }], ...(includeUsage ? { usage: null } : {}) }));
}

async function sse(fake: FakeLlm, res: ServerResponse, events: string[]): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const [first, ...rest] = events;
  send(fake, res, first!);
  if (fake.holdStream) await fake.holdStream;
  for (const event of rest) {
    if (res.destroyed) return;
    if (fake.streamGapMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.streamGapMs));
    // As a provider's server does: the next event waits while the reader's socket is full.
    if (!send(fake, res, event)) await drainedOrClosed(res);
  }
  res.end();
}

async function drainedOrClosed(res: ServerResponse): Promise<void> {
  const stop = new AbortController(); // takes the other listener off once one fires
  await Promise.race([once(res, "drain", { signal: stop.signal }), once(res, "close", { signal: stop.signal })]).finally(() => stop.abort());
}

function send(fake: FakeLlm, res: ServerResponse, event: string): boolean {
  fake.streamedBytes += Buffer.byteLength(event);
  return res.write(event);
}
