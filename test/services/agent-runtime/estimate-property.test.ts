/**
 * Property tests of the runtime's reservation (issue 14, defect 3): for every priced route and any request shape, a
 * call the runtime lets through can never cost more than the budget that remained, even when the upstream bills the
 * worst case the request allows. The fake upstream computes that worst case from the request it receives, from the
 * providers' documented rules, independently of the runtime's estimate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { costMicros, DEFAULT_PRICES, type ModelPrice } from "@iron/protocol";
import { createRuntime } from "@iron/agent-runtime";
import { estimateMicros } from "../../../services/agent-runtime/src/estimate.js";
import { readRequestShape } from "../../../services/agent-runtime/src/request-shape.js";
import type { FakeUsage } from "../../support/fake-llm.js";
import { tempDir, usePeers } from "./helpers.js";

const peers = usePeers();

type Route = "/v1/chat/completions" | "/v1/responses" | "/v1/embeddings" | "/v1/messages";
const MODELS: Record<Route, string[]> = {
  "/v1/chat/completions": ["gpt-4o-mini", "gpt-4o", "gpt-4.1-nano", "gpt-5", "o3-mini"],
  "/v1/responses": ["gpt-4o-mini", "gpt-5-mini", "o4-mini"],
  "/v1/embeddings": ["text-embedding-3-small", "text-embedding-3-large"],
  "/v1/messages": ["claude-3-haiku", "claude-sonnet-4-5", "claude-opus-4-1"],
};
const priceOf = (model: string): ModelPrice => DEFAULT_PRICES[model]!;

const posInt = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined);

/**
 * The most a provider bills for a request it accepts: every prompt byte a token, and every choice generating up to the
 * limit the request sets (whichever of its limits the provider honours), never more than the model can produce;
 * chat completions also bill rejected predicted-output tokens (at most one per byte of the prediction).
 */
function worstCaseUsage(route: string, body: Record<string, unknown>, bytes: number): FakeUsage {
  const max = priceOf(String(body.model)).max_output_tokens;
  const capped = (limits: unknown[]) => {
    const given = limits.map(posInt).filter((v): v is number => v !== undefined);
    return given.length ? Math.min(max, Math.max(...given)) : max;
  };
  let output = 0;
  if (route === "/v1/chat/completions") {
    const n = posInt(body.n) ?? 1;
    const prediction = body.prediction === undefined ? 0 : Buffer.byteLength(JSON.stringify(body.prediction));
    output = n * (capped([body.max_tokens, body.max_completion_tokens]) + prediction);
  } else if (route === "/v1/responses") output = capped([body.max_output_tokens]);
  else if (route === "/v1/messages") output = capped([body.max_tokens]);
  return { input: bytes, cached: 0, cacheWrite: 0, output };
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const limit = (max: number) => optional(fc.oneof(fc.integer({ min: 1, max }), fc.integer({ min: max, max: 10 * max })));
const prompt = fc.string({ maxLength: 400, unit: fc.constantFrom("a", " ", "é", "漢", "😀", "\\", '"') });

/** A request to `route` the upstream would accept: model, limits and output multipliers each present or not. */
function requestFor(route: Route): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...MODELS[route]).chain((model): fc.Arbitrary<Record<string, unknown>> => {
    const max = priceOf(model).max_output_tokens || 1;
    const text = prompt;
    switch (route) {
      case "/v1/chat/completions":
        return fc.record(
          {
            model: fc.constant(model),
            messages: text.map((content) => [{ role: "user", content }]),
            n: optional(fc.integer({ min: 1, max: 128 })),
            max_tokens: limit(max),
            max_completion_tokens: limit(max),
            stream: fc.boolean(),
            prediction: optional(text.map((content) => ({ type: "content", content }))),
          },
          { requiredKeys: ["model", "messages"] },
        );
      case "/v1/responses":
        return fc.record({ model: fc.constant(model), input: text, max_output_tokens: limit(max), stream: fc.boolean() }, { requiredKeys: ["model", "input"] });
      case "/v1/embeddings":
        return fc.record({ model: fc.constant(model), input: fc.oneof(text, fc.array(text, { maxLength: 8 })) });
      case "/v1/messages":
        return fc.record(
          { model: fc.constant(model), max_tokens: limit(max), messages: text.map((content) => [{ role: "user", content }]), stream: fc.boolean() },
          { requiredKeys: ["model", "messages"] },
        );
    }
  });
}

const anyRoute = fc.constantFrom<Route>("/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/messages");
const anyRequest = anyRoute.chain((route) => fc.tuple(fc.constant(route), requestFor(route)));
const ENDPOINTS = { "/v1/chat/completions": "chat.completions", "/v1/responses": "responses", "/v1/embeddings": "embeddings", "/v1/messages": "messages" } as const;

const worstCaseCost = (model: string, usage: FakeUsage) =>
  costMicros(priceOf(model), { input_tokens: usage.input, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: usage.output });

async function drain(body: Buffer | AsyncIterable<Uint8Array>): Promise<void> {
  if (!Buffer.isBuffer(body)) for await (const _ of body) void _;
}

/** Runs one call through a fresh runtime with `budget` and returns what it answered and what it recorded. */
async function callOnce(route: Route, request: Record<string, unknown> | string, budget: number) {
  const { token } = await peers.issuer.issue(budget);
  const rt = await createRuntime({ token, stateDir: tempDir(), jwksFile: peers.jwksFile, logLevel: "silent" });
  try {
    const origin = new URL(peers.fake.openaiBaseUrl).origin;
    const endpoint = ENDPOINTS[route];
    const provider = route === "/v1/messages" ? "anthropic" : "openai";
    const body = Buffer.from(typeof request === "string" ? request : JSON.stringify(request));
    const result = await rt.runtime.handle({ route: { provider, endpoint }, origin, path: route, headers: {}, body });
    await drain(result.body);
    return { status: result.status, spent: rt.status().spent_micros, ledger: rt.runtime.ledger() };
  } finally {
    await rt.close();
  }
}

describe("the reservation covers the upstream's worst-case usage", () => {
  beforeAll(() => {
    peers.fake.usageFor = worstCaseUsage;
  });
  afterAll(() => {
    peers.fake.usageFor = undefined;
  });

  it("estimates at least the worst-case cost of every request shape (the estimate alone, 2000 shapes)", () => {
    fc.assert(
      fc.property(anyRequest, ([route, request]) => {
        const shape = readRequestShape(ENDPOINTS[route], Buffer.from(JSON.stringify(request)));
        // What goes upstream (a stream asks for usage), billed at its worst.
        const sent = JSON.parse(shape.body.toString("utf8")) as Record<string, unknown>;
        const worst = worstCaseCost(String(request.model), worstCaseUsage(route, sent, shape.body.length));
        expect(estimateMicros(priceOf(String(request.model)), shape)).toBeGreaterThanOrEqual(worst);
      }),
      { numRuns: 2000 },
    );
  });

  it("never lets a call through the runtime spend past its budget, on any route, with or without limits and n", async () => {
    const budgets = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 100_000, max: 50_000_000 }));
    await fc.assert(
      fc.asyncProperty(anyRequest, budgets, async ([route, request], budget) => {
        const { status, spent, ledger } = await callOnce(route, request, budget);
        expect([200, 402]).toContain(status);
        expect(spent).toBeLessThanOrEqual(budget);
        if (status === 200) {
          // The upstream really billed its worst case, and the runtime recorded exactly that.
          const sent = peers.fake.lastRequest[route]!.body;
          expect(ledger.at(-1)?.cost_micros).toBe(worstCaseCost(String(request.model), worstCaseUsage(route, sent, Buffer.byteLength(JSON.stringify(sent)))));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("refuses the sweep's request: n = 64 without max_tokens over a 50,000-micro budget (402, the upstream never called)", async () => {
    const before = peers.fake.totalHits();
    const request = { model: "gpt-4o-mini", n: 64, messages: [{ role: "user", content: "hi" }] };
    const { status, spent } = await callOnce("/v1/chat/completions", request, 50_000);
    expect(status).toBe(402);
    expect(spent).toBe(0);
    expect(peers.fake.totalHits()).toBe(before);
  });

  it("refuses an n it cannot count (400) before going upstream", async () => {
    const before = peers.fake.totalHits();
    for (const n of [0, -1, 1.5, "64", true, [2], { n: 2 }, 1e300]) {
      const { status } = await callOnce("/v1/chat/completions", { model: "gpt-4o-mini", n, messages: [{ role: "user", content: "hi" }] }, 10_000_000);
      expect(status, `n = ${JSON.stringify(n)}`).toBe(400);
    }
    expect(peers.fake.totalHits()).toBe(before);
  });
});
