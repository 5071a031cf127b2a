/** costMicros prices in doubles when that is exact and in BigInt beyond (issue 19): both must give the exact ceiling. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { costMicros, type ModelPrice, type TokenUsage } from "@iron/protocol";

/** The definition: sum of tokens × micro-USD per 1M tokens, divided by 1M and rounded up, in exact integers. */
function reference(price: ModelPrice, u: TokenUsage): number {
  const cached = Math.min(u.cached_input_tokens, u.input_tokens);
  const write = Math.min(u.cache_write_input_tokens, u.input_tokens - cached);
  const write1h = Math.min(u.cache_write_1h_input_tokens ?? 0, write);
  const writePrice = price.cache_write_input ?? price.input;
  const scaled =
    BigInt(u.input_tokens - cached - write) * BigInt(price.input) + BigInt(cached) * BigInt(price.cached_input ?? price.input) +
    BigInt(write - write1h) * BigInt(writePrice) + BigInt(write1h) * BigInt(price.cache_write_1h_input ?? writePrice) +
    BigInt(u.output_tokens) * BigInt(price.output);
  return Number((scaled + 999_999n) / 1_000_000n);
}

const count = fc.oneof(fc.nat({ max: 2_000 }), fc.nat({ max: 10_000_000 }), fc.nat({ max: 2 ** 40 }));
const perMillion = fc.oneof(fc.nat({ max: 100 }), fc.nat({ max: 200_000_000 }), fc.constantFrom(999_999, 1_000_000, 1_000_001));

describe("costMicros", () => {
  it("equals the exact integer ceiling for any usage and price, small or huge", () => {
    fc.assert(
      fc.property(count, count, count, count, count, perMillion, perMillion, perMillion, perMillion, (input, cached, write, write1h, output, p1, p2, p3, p4) => {
        const price: ModelPrice = { provider: "openai", input: p1, cached_input: p2, cache_write_input: p3, output: p4, max_output_tokens: 1000 };
        const usage: TokenUsage = { input_tokens: input, cached_input_tokens: cached, cache_write_input_tokens: write, cache_write_1h_input_tokens: write1h, output_tokens: output };
        expect(costMicros(price, usage)).toBe(reference(price, usage));
      }),
      { numRuns: 20_000 },
    );
  });

  it("rounds a remainder of one scaled unit up, near the top of the exact range", () => {
    const price: ModelPrice = { provider: "openai", input: 1, output: 1, max_output_tokens: 1 };
    for (const tokens of [1, 999_999, 1_000_000, 1_000_001, 9_007_199_254, 1_800_000_000_000_001]) {
      const usage = { input_tokens: tokens, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 0 };
      expect(costMicros(price, usage)).toBe(reference(price, usage));
    }
  });
});
