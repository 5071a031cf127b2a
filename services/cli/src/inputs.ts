import { z } from "zod";
import { AgentId, MAX_TOKEN_TTL_SECONDS, TokenStatus } from "@iron/protocol";
import { DURATION_ACCEPTS, parseDurationSeconds, parseSince } from "./duration.js";
import { usageError } from "./errors.js";
import { parseUsdToMicros } from "./money.js";

/** Validation of flags and arguments, before anything is sent: each failure is a usage error (exit 2) saying what is accepted. */

function usage<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw usageError(`${flag}: ${(err as Error).message}`, "add --help to the command for examples");
  }
}

export function budgetMicros(flag: string, input: string): number {
  return usage(flag, () => parseUsdToMicros(input));
}

export function expiresInSeconds(input: string): number {
  const seconds = usage("--expires", () => parseDurationSeconds(input));
  if (seconds > MAX_TOKEN_TTL_SECONDS) throw usageError(`--expires: "${input}" is longer than the 5 years a token may live`, `give ${DURATION_ACCEPTS}, at most 5y`);
  return seconds;
}

export function agentId(input: string): string {
  const parsed = AgentId.safeParse(input);
  if (!parsed.success) throw usageError(`--agent: "${input}" is not an agent id`, "an agent id is 1 to 128 letters, digits and . _ : @ / -");
  return parsed.data;
}

export function tokenName(input: string): string {
  const name = input.trim();
  if (name.length < 1 || name.length > 100) throw usageError(`--name: give 1 to 100 characters (got ${name.length})`);
  return name;
}

export function tokenId(input: string): string {
  if (!z.uuid().safeParse(input).success) throw usageError(`"${input}" is not a token id`, "token ids are UUIDs like 0b6f6c1e-6f1e-4c1e-9b1e-0123456789ab; `iron token list` shows them");
  return input.toLowerCase();
}

export function tokenStatus(input: string): TokenStatus {
  const parsed = TokenStatus.safeParse(input);
  if (!parsed.success) throw usageError(`--status: "${input}" is not a status`, `give one of ${TokenStatus.options.join(", ")}`);
  return parsed.data;
}

export function sinceTime(flag: string, input: string): string {
  return usage(flag, () => parseSince(input));
}
