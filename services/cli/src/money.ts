import { MICROS_PER_USD } from "@iron/protocol";

const DECIMALS = 6;
const USD_PATTERN = /^(\d+)(?:\.(\d+))?$/;

/** What `--budget` accepts, for error messages and help. */
export const BUDGET_ACCEPTS = "a positive amount of US dollars with at most 6 decimals, e.g. 100, 2.5 or 0.000001";

/**
 * Parses dollars as typed (`100`, `0.25`, `$5`) into integer micro-USD, exactly: the digits are read as a decimal
 * string, never through a float. Throws a RangeError saying what is accepted when the input is not a positive amount.
 */
export function parseUsdToMicros(input: string): number {
  const text = input.trim().replace(/^\$/, "").replace(/_/g, "");
  const match = USD_PATTERN.exec(text);
  if (!match) throw new RangeError(`"${input}" is not an amount: give ${BUDGET_ACCEPTS}`);
  const whole = match[1]!;
  const fraction = match[2] ?? "";
  if (fraction.length > DECIMALS) throw new RangeError(`"${input}" has more than ${DECIMALS} decimals (1 micro-dollar is the smallest unit): give ${BUDGET_ACCEPTS}`);
  const micros = BigInt(whole) * BigInt(MICROS_PER_USD) + BigInt(fraction.padEnd(DECIMALS, "0"));
  if (micros === 0n) throw new RangeError(`"${input}" is zero: give ${BUDGET_ACCEPTS}`);
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`"${input}" is too large: the largest budget is 9007199254.740991 USD`);
  return Number(micros);
}
