import { z } from "zod";
import { DEFAULT_PRICES } from "./pricing-table.js";

const MicrosPerMillionTokens = z.number().int().nonnegative();

/** One model's prices, in integer micro-USD per 1M tokens. */
export const ModelPrice = z
  .object({
    provider: z.enum(["openai", "anthropic"]),
    input: MicrosPerMillionTokens,
    /** Prompt tokens read from the provider's cache; defaults to `input`. */
    cached_input: MicrosPerMillionTokens.optional(),
    /** Prompt tokens written to the provider's cache (Anthropic, 5-minute lifetime); defaults to `input`. */
    cache_write_input: MicrosPerMillionTokens.optional(),
    /** Prompt tokens written to the cache with a 1-hour lifetime (Anthropic); defaults to `cache_write_input`. */
    cache_write_1h_input: MicrosPerMillionTokens.optional(),
    output: MicrosPerMillionTokens,
    /** The most output tokens one call can produce; bounds a reservation when the request sets no limit. */
    max_output_tokens: z.number().int().nonnegative(),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPrice>;

/** Model name → price. */
export const PriceTable = z.record(z.string().min(1), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

/** A prices file: `{ "models": { "<model>": ModelPrice } }`; its entries replace or add to the defaults. */
export const PricesFile = z.object({ models: PriceTable }).strict();
export type PricesFile = z.infer<typeof PricesFile>;

/** Token counts of one call. `input_tokens` is the total prompt, including cached and cache-write tokens. */
export interface TokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  /** All cache writes, of which `cache_write_1h_input_tokens` had the 1-hour lifetime. */
  cache_write_input_tokens: number;
  cache_write_1h_input_tokens?: number;
  output_tokens: number;
}

export { DEFAULT_PRICES };

/** The defaults with a prices file's entries laid over them. */
export function mergePrices(overrides: PriceTable | undefined): PriceTable {
  return { ...DEFAULT_PRICES, ...(overrides ?? {}) };
}

// Dated snapshots and aliases share their family's price: gpt-4o-2024-08-06, claude-sonnet-4-20250514, claude-3-5-haiku-latest.
const VERSION_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/** The price of `model`: an exact entry, else the entry for the name without a date / `-latest` suffix; undefined when unknown. */
export function findPrice(table: PriceTable, model: string): ModelPrice | undefined {
  const name = findPriceName(table, model);
  return name === undefined ? undefined : table[name];
}

/** The table's name for `model` (itself, or its family without a date / `-latest` suffix); undefined when unknown. */
export function findPriceName(table: PriceTable, model: string): string | undefined {
  if (Object.hasOwn(table, model)) return model;
  const base = model.replace(VERSION_SUFFIX, "");
  return base !== model && Object.hasOwn(table, base) ? base : undefined;
}

/**
 * The cost of a call in integer micro-USD, rounded up once over the whole call
 * (so a call is never priced below its exact cost and rounding never compounds).
 */
export function costMicros(price: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const cacheWrite = Math.min(usage.cache_write_input_tokens, usage.input_tokens - cached);
  const cacheWrite1h = Math.min(usage.cache_write_1h_input_tokens ?? 0, cacheWrite);
  const plain = usage.input_tokens - cached - cacheWrite;
  const writePrice = price.cache_write_input ?? price.input;
  const counts = [plain, cached, cacheWrite - cacheWrite1h, cacheWrite1h, usage.output_tokens];
  const prices = [price.input, price.cached_input ?? price.input, writePrice, price.cache_write_1h_input ?? writePrice, price.output];
  // Exact in doubles while every product and their sum stay below 2^53 (every call the runtime sees); BigInt beyond.
  if (Math.max(...counts) * Math.max(...prices) * counts.length < Number.MAX_SAFE_INTEGER) {
    let scaled = 0;
    for (let i = 0; i < counts.length; i++) scaled += counts[i]! * prices[i]!;
    // The quotient of a double division can round across a whole number: fix it with the exact remainder.
    let whole = Math.floor(scaled / 1_000_000);
    let rest = scaled - whole * 1_000_000;
    if (rest < 0) [whole, rest] = [whole - 1, rest + 1_000_000];
    else if (rest >= 1_000_000) [whole, rest] = [whole + 1, rest - 1_000_000];
    return rest > 0 ? whole + 1 : whole;
  }
  let scaled = 0n;
  for (let i = 0; i < counts.length; i++) scaled += BigInt(counts[i]!) * BigInt(prices[i]!);
  const million = 1_000_000n;
  return Number((scaled + million - 1n) / million);
}

/** The most expensive entry per input and per output token, for pricing unknown models conservatively. */
export function highestPrice(table: PriceTable): ModelPrice {
  const entries = Object.values(table);
  return {
    provider: "openai",
    input: Math.max(0, ...entries.map((p) => Math.max(p.input, p.cached_input ?? 0, p.cache_write_input ?? 0, p.cache_write_1h_input ?? 0))),
    output: Math.max(0, ...entries.map((p) => p.output)),
    max_output_tokens: Math.max(0, ...entries.map((p) => p.max_output_tokens)),
  };
}
