/** How `iron` retries a request the panel may answer on a later try. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The wait before the first retry is between half of this and this; it doubles for each retry after. */
  baseDelayMs: number;
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 300, maxRetryAfterMs: 30_000 };

/** 429 (rate limited) and the gateway/unavailable answers mean "try again later"; other statuses do not. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * The wait before retry `retry` (1 for the first retry): exponential with "equal jitter", in
 * [base·2^(retry−1)/2, base·2^(retry−1)), so concurrent clients spread out and each wait is at least the whole
 * previous range.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): number {
  const ceiling = policy.baseDelayMs * 2 ** (retry - 1);
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before a retry: the backoff, or what the server asked for if that is longer (capped). */
export function retryWaitMs(retry: number, retryAfterMs: number | undefined, policy: RetryPolicy = DEFAULT_RETRY): number {
  const backoff = backoffDelayMs(retry, policy);
  return retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
