import type { PriceTable } from "./pricing.js";

/**
 * List prices in micro-USD per 1M tokens (USD per 1M tokens × 1,000,000), as
 * published by the providers (checked 2025-10). `cached_input` is the price of
 * prompt tokens served from the provider's cache (OpenAI "cached input",
 * Anthropic "cache hits"); `cache_write_input` is Anthropic's 5-minute cache
 * write price, `cache_write_1h_input` its 1-hour one. `max_output_tokens` bounds a call's reservation when the request
 * does not set its own limit. Override or extend with a prices file.
 */
export const DEFAULT_PRICES: PriceTable = {
  // OpenAI chat / responses models
  "gpt-5": { provider: "openai", input: 1_250_000, cached_input: 125_000, output: 10_000_000, max_output_tokens: 128_000 },
  "gpt-5-mini": { provider: "openai", input: 250_000, cached_input: 25_000, output: 2_000_000, max_output_tokens: 128_000 },
  "gpt-5-nano": { provider: "openai", input: 50_000, cached_input: 5_000, output: 400_000, max_output_tokens: 128_000 },
  "gpt-4.1": { provider: "openai", input: 2_000_000, cached_input: 500_000, output: 8_000_000, max_output_tokens: 32_768 },
  "gpt-4.1-mini": { provider: "openai", input: 400_000, cached_input: 100_000, output: 1_600_000, max_output_tokens: 32_768 },
  "gpt-4.1-nano": { provider: "openai", input: 100_000, cached_input: 25_000, output: 400_000, max_output_tokens: 32_768 },
  "gpt-4o": { provider: "openai", input: 2_500_000, cached_input: 1_250_000, output: 10_000_000, max_output_tokens: 16_384 },
  "gpt-4o-mini": { provider: "openai", input: 150_000, cached_input: 75_000, output: 600_000, max_output_tokens: 16_384 },
  o3: { provider: "openai", input: 2_000_000, cached_input: 500_000, output: 8_000_000, max_output_tokens: 100_000 },
  "o3-mini": { provider: "openai", input: 1_100_000, cached_input: 550_000, output: 4_400_000, max_output_tokens: 100_000 },
  "o4-mini": { provider: "openai", input: 1_100_000, cached_input: 275_000, output: 4_400_000, max_output_tokens: 100_000 },
  // OpenAI embeddings (input only)
  "text-embedding-3-small": { provider: "openai", input: 20_000, output: 0, max_output_tokens: 0 },
  "text-embedding-3-large": { provider: "openai", input: 130_000, output: 0, max_output_tokens: 0 },
  "text-embedding-ada-002": { provider: "openai", input: 100_000, output: 0, max_output_tokens: 0 },
  // Anthropic
  "claude-opus-4-1": { provider: "anthropic", input: 15_000_000, cached_input: 1_500_000, cache_write_input: 18_750_000, cache_write_1h_input: 30_000_000, output: 75_000_000, max_output_tokens: 32_000 },
  "claude-opus-4": { provider: "anthropic", input: 15_000_000, cached_input: 1_500_000, cache_write_input: 18_750_000, cache_write_1h_input: 30_000_000, output: 75_000_000, max_output_tokens: 32_000 },
  "claude-sonnet-4-5": { provider: "anthropic", input: 3_000_000, cached_input: 300_000, cache_write_input: 3_750_000, cache_write_1h_input: 6_000_000, output: 15_000_000, max_output_tokens: 64_000 },
  "claude-sonnet-4": { provider: "anthropic", input: 3_000_000, cached_input: 300_000, cache_write_input: 3_750_000, cache_write_1h_input: 6_000_000, output: 15_000_000, max_output_tokens: 64_000 },
  "claude-3-7-sonnet": { provider: "anthropic", input: 3_000_000, cached_input: 300_000, cache_write_input: 3_750_000, cache_write_1h_input: 6_000_000, output: 15_000_000, max_output_tokens: 64_000 },
  "claude-3-5-sonnet": { provider: "anthropic", input: 3_000_000, cached_input: 300_000, cache_write_input: 3_750_000, cache_write_1h_input: 6_000_000, output: 15_000_000, max_output_tokens: 8_192 },
  "claude-haiku-4-5": { provider: "anthropic", input: 1_000_000, cached_input: 100_000, cache_write_input: 1_250_000, cache_write_1h_input: 2_000_000, output: 5_000_000, max_output_tokens: 64_000 },
  "claude-3-5-haiku": { provider: "anthropic", input: 800_000, cached_input: 80_000, cache_write_input: 1_000_000, cache_write_1h_input: 1_600_000, output: 4_000_000, max_output_tokens: 8_192 },
  "claude-3-haiku": { provider: "anthropic", input: 250_000, cached_input: 30_000, cache_write_input: 300_000, cache_write_1h_input: 500_000, output: 1_250_000, max_output_tokens: 4_096 },
};
