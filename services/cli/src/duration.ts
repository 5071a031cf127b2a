const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 } as const;
const DURATION_PATTERN = /^(\d+)\s*([smhdwy])$/;

/** What `--expires` accepts. */
export const DURATION_ACCEPTS = "a whole number followed by s, m, h, d, w or y, e.g. 90m, 12h, 30d or 1y";

/** Parses `30d`, `12h`, `90m`, `3600s`, `2w` or `1y` into seconds. */
export function parseDurationSeconds(input: string): number {
  const match = DURATION_PATTERN.exec(input.trim().toLowerCase());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new RangeError(`"${input}" is not a duration: give ${DURATION_ACCEPTS}`);
  return seconds;
}

/**
 * Parses `--since`: an ISO date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`) or a duration back from `now`
 * (`7d`). Returns an ISO date-time with offset, as the panel's usage query wants.
 */
export function parseSince(input: string, now = new Date()): string {
  if (DURATION_PATTERN.test(input.trim().toLowerCase())) {
    return new Date(now.getTime() - parseDurationSeconds(input) * 1000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(input.trim())) {
    const date = new Date(input.trim().length === 10 ? `${input.trim()}T00:00:00Z` : input.trim());
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new RangeError(`"${input}" is not a time: give a date like 2026-01-31, a date-time like 2026-01-31T12:00:00Z, or a duration back from now like 7d or 12h`);
}
