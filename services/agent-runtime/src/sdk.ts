import type { RuntimeOptionsInput } from "./config.js";
import { routeForPath } from "./endpoints.js";
import { errorBody, forwardableHeaders } from "./http-errors.js";
import { Runtime, type RuntimeStatus } from "./runtime.js";
import type { ProxyResult } from "./proxy-call.js";

/** SDK options: the runtime's options without the daemon's listening address and upstream bases (the client's own URL is the upstream). */
export type AgentRuntimeOptions = Omit<RuntimeOptionsInput, "host" | "port" | "openaiBaseUrl" | "anthropicBaseUrl" | "openaiApiKey" | "anthropicApiKey">;

export interface AgentRuntime {
  /**
   * A `fetch` for the official clients: `new OpenAI({ fetch: runtime.fetch })`, `new Anthropic({ fetch: runtime.fetch })`.
   * POSTs to chat/completions, responses, embeddings and messages are budgeted, priced and recorded;
   * other POSTs are refused (403 endpoint_not_priced) because they could spend unseen; other methods pass through.
   */
  fetch: typeof fetch;
  status(): RuntimeStatus;
  close(): Promise<void>;
  runtime: Runtime;
}

/** Runs the budget enforcement in this process, for agents that call providers with their own clients. */
export async function createRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime> {
  // Metrics are the daemon's (served at /metrics); an SDK user who wants them passes metrics: true and reads runtime.metrics.
  const runtime = await Runtime.open({ metrics: false, ...options });
  const budgetedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (request.method !== "POST") return fetch(request);
    const url = new URL(request.url);
    const route = routeForPath(url.pathname);
    if (!route) {
      const body = errorBody({ status: 403, code: "endpoint_not_priced", message: `the runtime does not price POST ${url.pathname}, so it cannot keep the budget for it` });
      return new Response(body, { status: 403, headers: { "content-type": "application/json" } });
    }
    const body = Buffer.from(await request.arrayBuffer());
    const result = await runtime.handle({ route, origin: url.origin, path: `${url.pathname}${url.search}`, headers: forwardableHeaders(request.headers.entries()), body, signal: request.signal });
    return toResponse(result);
  };
  return {
    fetch: budgetedFetch as typeof fetch,
    status: () => runtime.status(),
    close: () => runtime.close(),
    runtime,
  };
}

function toResponse(result: ProxyResult): Response {
  const init = { status: result.status, headers: result.headers };
  if (Buffer.isBuffer(result.body)) return new Response(result.status === 204 ? null : result.body, init);
  const chunks = result.body[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  return new Response(stream, init);
}
