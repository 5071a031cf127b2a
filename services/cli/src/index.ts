/** The CLI's pure parts, for tests and reuse. The executable is main.ts (bundled to dist/iron.cjs). */
export { parseUsdToMicros, BUDGET_ACCEPTS } from "./money.js";
export { parseDurationSeconds, parseSince, DURATION_ACCEPTS } from "./duration.js";
export { backoffDelayMs, parseRetryAfterMs, retryWaitMs, isRetryableStatus, DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { resolveApiUrl, normalizeApiUrl, assertSafeForCredentials, DEFAULT_API_URL } from "./api-url.js";
export { EXIT } from "./exit-codes.js";
