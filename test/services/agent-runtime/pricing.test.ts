import { describe, expect, it } from "vitest";
import { costMicros, DEFAULT_PRICES, findPrice, mergePrices, PriceTable, PricesFile } from "@iron/protocol";

const usage = (input: number, output: number, cached = 0, cacheWrite = 0) => ({ input_tokens: input, cached_input_tokens: cached, cache_write_input_tokens: cacheWrite, output_tokens: output });

describe("price table (services/protocol)", () => {
  it("is valid against its own schema, in integer micro-USD per 1M tokens", () => {
    expect(PriceTable.safeParse(DEFAULT_PRICES).success).toBe(true);
    expect(Object.keys(DEFAULT_PRICES).length).toBeGreaterThanOrEqual(20);
  });

  it("finds dated snapshots and -latest aliases under their family, without confusing families by prefix", () => {
    expect(findPrice(DEFAULT_PRICES, "gpt-4o-2024-08-06")).toBe(DEFAULT_PRICES["gpt-4o"]);
    expect(findPrice(DEFAULT_PRICES, "claude-sonnet-4-20250514")).toBe(DEFAULT_PRICES["claude-sonnet-4"]);
    expect(findPrice(DEFAULT_PRICES, "claude-3-5-haiku-latest")).toBe(DEFAULT_PRICES["claude-3-5-haiku"]);
    expect(findPrice(DEFAULT_PRICES, "gpt-4o-mini")).toBe(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(findPrice(DEFAULT_PRICES, "gpt-4o-mini-tts")).toBeUndefined();
    expect(findPrice(DEFAULT_PRICES, "gpt-4")).toBeUndefined();
  });

  it("prices cached and cache-write tokens at their own rates and rounds up once per call", () => {
    const sonnet = DEFAULT_PRICES["claude-sonnet-4"]!;
    expect(costMicros(sonnet, usage(1000, 100, 300, 200))).toBe(3840);
    const mini = DEFAULT_PRICES["gpt-4o-mini"]!;
    expect(costMicros(mini, usage(1, 0))).toBe(1); // 0.15 micro-USD is charged as 1, never as 0
    expect(costMicros(mini, usage(0, 0))).toBe(0);
    expect(costMicros(mini, usage(1_000_000, 1_000_000))).toBe(750_000);
    // Of 200 cache writes, 50 with the 1-hour lifetime: 500 × $3 + 300 × $0.30 + 150 × $3.75 + 50 × $6 + 100 × $15 (per M) = 3952.5
    expect(costMicros(sonnet, { ...usage(1000, 100, 300, 200), cache_write_1h_input_tokens: 50 })).toBe(3953);
    // Counters that do not add up (more cached than input) never price below the plain input.
    expect(costMicros(mini, usage(10, 0, 50))).toBe(costMicros(mini, usage(10, 0, 10)));
  });

  it("lets a prices file replace or add entries, and rejects a malformed one", () => {
    const merged = mergePrices({ "gpt-4o": { provider: "openai", input: 1, output: 2, max_output_tokens: 3 } });
    expect(merged["gpt-4o"]?.input).toBe(1);
    expect(merged["gpt-4o-mini"]).toBe(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(PricesFile.safeParse({ models: { x: { provider: "openai", input: 1.5, output: 1, max_output_tokens: 1 } } }).success).toBe(false);
    expect(PricesFile.safeParse({ models: { x: { provider: "openai", input: 1, output: 1, max_output_tokens: 1, extra: 1 } } }).success).toBe(false);
  });
});
