import { costMicros, type ModelPrice } from "@iron/protocol";
import type { RequestShape } from "./request-shape.js";

/** The most output tokens the upstream can bill for the request: its limit (or the model's) for every choice, plus extras. */
export function worstCaseOutputTokens(price: ModelPrice, shape: RequestShape): number {
  return (shape.outputLimit ?? price.max_output_tokens) * shape.choices + shape.extraOutputTokens;
}

/**
 * A call's reservation: its worst-case cost. Every request byte counts as a prompt token (byte-level BPE never yields
 * more tokens than bytes) and the whole output allowance of every choice is used.
 */
export function estimateMicros(price: ModelPrice, shape: RequestShape): number {
  return costMicros(price, { input_tokens: shape.body.length, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: worstCaseOutputTokens(price, shape) });
}
