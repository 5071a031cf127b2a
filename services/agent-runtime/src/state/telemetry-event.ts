import type { TelemetryEvent } from "@iron/protocol";
import type { LedgerRow } from "./store.js";

/** Where a settled call's cost came from: the provider's reported usage, or the reservation (usage unknown). */
export type UsageSource = "reported" | "estimated";

/** The telemetry event of a settled call, as it is queued for the Control Panel. */
export function telemetryEvent(row: Omit<LedgerRow, "id" | "state">, usage: UsageSource): TelemetryEvent {
  return {
    event_id: row.event_id,
    ts: row.ts,
    type: row.type,
    provider: row.provider,
    model: row.model,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cost_micros: row.cost_micros,
    latency_ms: row.latency_ms,
    attrs: {
      endpoint: row.endpoint,
      http_status: row.http_status,
      cached_input_tokens: row.cached_input_tokens,
      cache_write_input_tokens: row.cache_write_input_tokens,
      usage,
    },
  };
}
