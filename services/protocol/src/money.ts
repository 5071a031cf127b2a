import { z } from "zod";

/**
 * Money is integer micro-USD (1 USD = 1,000,000 micros): a JSON integer on the wire, BIGINT in storage.
 * Amounts are kept within JavaScript's safe integer range (about 9 billion USD).
 */
export const MICROS_PER_USD = 1_000_000;

/** The largest amount of micro-USD the panel stores or adds up to (2^53 − 1): a budget, a spend, any total. */
export const MAX_MICROS = Number.MAX_SAFE_INTEGER;

/**
 * The most one telemetry event may cost: 10^12 micros (1,000,000 USD). No single LLM call costs near that; the bound
 * keeps a single event from poisoning a total, and stored totals are checked against MAX_MICROS as well.
 */
export const MAX_EVENT_COST_MICROS = 1_000_000_000_000;

/** A non-negative integer amount of micro-USD. */
export const Micros = z.int().nonnegative();
/** A positive integer amount of micro-USD (budgets, top-ups). */
export const PositiveMicros = z.int().positive();

/** Converts dollars (as typed by a person, e.g. `100` or `0.25`) to integer micros, rounding to the nearest micro. */
export function usdToMicros(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite amount of dollars: ${usd}`);
  const micros = Math.round(usd * MICROS_PER_USD);
  if (!Number.isSafeInteger(micros)) throw new RangeError(`amount out of range: ${usd} USD`);
  return micros;
}

/** Formats micros as dollars with up to 6 decimals, e.g. `1234567` → `"1.234567"`. */
export function microsToUsd(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_USD);
  const frac = String(abs % MICROS_PER_USD).padStart(6, "0").replace(/0+$/, "");
  return `${sign}${whole}${frac ? `.${frac}` : ""}`;
}
