/** @iron/agent-runtime: the LLM proxy daemon (`startRuntime`, bin `iron-runtime`) and the in-process SDK (`createRuntime`). */
export { startRuntime, type RunningRuntime } from "./server.js";
export { createRuntime, type AgentRuntime, type AgentRuntimeOptions } from "./sdk.js";
export { Runtime, type RuntimeStatus } from "./runtime.js";
export { ConfigError, RuntimeOptions, type RuntimeConfig, type RuntimeOptionsInput } from "./config.js";
export { DAEMON_ROUTES } from "./endpoints.js";
export { MAX_CONSECUTIVE_FAILURES, type TelemetryStatus } from "./telemetry.js";
export { WARN_AT_FRACTION } from "./proxy-call.js";
export type { LedgerRow } from "./state/store.js";
