import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Provider } from "./endpoints.js";
import type { TelemetryStatus } from "./telemetry.js";

/**
 * What became of a call: answered by the upstream (`ok`), refused by the budget (`refused`, a 402), failed or
 * unreachable upstream (`upstream_error`), or turned away before any upstream work (`rejected`: bad request, unknown
 * model, revoked or unverified token).
 */
export type CallOutcome = "ok" | "refused" | "upstream_error" | "rejected";

/** One finished call, as the proxy reports it. `model` is already a bounded label (see Prices.label). */
export interface CallReport {
  provider: Provider;
  model: string;
  outcome: CallOutcome;
  costMicros: number;
  /** Time in the runtime, from the request's arrival to its settlement, in ms. */
  totalMs: number;
  /** Time spent waiting on the upstream (request sent → answer read), in ms; undefined when it was never asked. */
  upstreamMs: number | undefined;
  /** Time of the ledger's settle transaction, in ms. */
  ledgerWriteMs: number | undefined;
}

/** Figures read when Prometheus scrapes (nothing on the call path). */
export interface RuntimeGaugeSource {
  budget(): { budget_micros: number; spent_micros: number; reserved_micros: number; remaining_micros: number; calls_in_flight: number };
  telemetry(): TelemetryStatus;
}

const TELEMETRY_STATES = ["off", "enabled", "disabled"] as const;
/** Seconds; the added time is sub-millisecond when healthy, upstream answers take up to minutes. */
const ADDED_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const LEDGER_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
/** Reports wait this many at most before they are counted (they are also counted whenever Prometheus scrapes). */
const MAX_PENDING_REPORTS = 4096;

/**
 * The runtime's Prometheus metrics, on a registry of its own (the pilot runs a panel in the same process). Labels are
 * bounded by construction: provider (two values), model (the price table's names plus `other`), outcome (four).
 * No token, prompt or key ever becomes a label.
 */
export class RuntimeMetrics {
  private readonly registry = new Registry();
  private readonly calls: Counter<"provider" | "model" | "outcome">;
  private readonly spend: Counter<"provider" | "model">;
  private readonly added: Histogram<"provider">;
  private readonly upstream: Histogram<"provider">;
  private readonly ledgerWrite: Histogram;
  private pending: CallReport[] = [];

  constructor(source: RuntimeGaugeSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({ name: "iron_runtime_calls_total", help: "LLM calls by provider, model (price-table name or other) and outcome", labelNames: ["provider", "model", "outcome"], registers });
    this.spend = new Counter({ name: "iron_runtime_spend_micros_total", help: "Cost charged to the budget, in micro-USD", labelNames: ["provider", "model"], registers });
    this.added = new Histogram({ name: "iron_runtime_added_latency_seconds", help: "Time a call spends in the runtime itself (total minus upstream)", labelNames: ["provider"], buckets: ADDED_BUCKETS, registers });
    this.upstream = new Histogram({ name: "iron_runtime_upstream_latency_seconds", help: "Time waiting on the upstream, request sent to answer read", labelNames: ["provider"], buckets: UPSTREAM_BUCKETS, registers });
    this.ledgerWrite = new Histogram({ name: "iron_runtime_ledger_write_seconds", help: "Time of the ledger's settle transaction (SQLite)", buckets: LEDGER_BUCKETS, registers });

    const budgetGauge = (name: string, help: string, pick: (b: ReturnType<RuntimeGaugeSource["budget"]>) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(source.budget())); } });
    budgetGauge("iron_runtime_budget_micros", "The agent token's budget, in micro-USD", (b) => b.budget_micros);
    budgetGauge("iron_runtime_spent_micros", "Spent from the budget (ledger and panel), in micro-USD", (b) => b.spent_micros);
    budgetGauge("iron_runtime_reserved_micros", "Held for calls in flight, in micro-USD", (b) => b.reserved_micros);
    budgetGauge("iron_runtime_remaining_micros", "Left to reserve, in micro-USD", (b) => b.remaining_micros);
    budgetGauge("iron_runtime_calls_in_flight", "Calls being forwarded now", (b) => b.calls_in_flight);

    const telemetryGauge = (name: string, help: string, pick: (t: TelemetryStatus) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(source.telemetry())); } });
    telemetryGauge("iron_runtime_telemetry_queue_depth", "Telemetry events waiting to reach the Control Panel", (t) => t.queued);
    telemetryGauge("iron_runtime_telemetry_consecutive_failures", "Failed telemetry attempts in a row (3 turn telemetry off)", (t) => t.consecutive_failures);
    new Gauge({
      name: "iron_runtime_telemetry_state",
      help: "1 for the telemetry sender's current state (off, enabled, disabled)",
      labelNames: ["state"],
      registers,
      collect() {
        const now = source.telemetry().state;
        for (const state of TELEMETRY_STATES) this.set({ state }, state === now ? 1 : 0);
      },
    });
  }

  /**
   * Records a finished call. The counters and histograms take the calls in batches, at each scrape or every
   * MAX_PENDING_REPORTS calls: updating five labelled series on every call cost more than all the rest of the runtime's
   * bookkeeping, and a batch runs hot in the CPU's caches. A scrape always sees every call recorded before it.
   */
  record(call: CallReport): void {
    this.pending.push(call);
    if (this.pending.length >= MAX_PENDING_REPORTS) this.count();
  }

  /** The exposition text, as Prometheus scrapes it. */
  async text(): Promise<{ contentType: string; body: string }> {
    this.count();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private count(): void {
    const reports = this.pending;
    this.pending = [];
    for (const call of reports) this.countOne(call);
  }

  private countOne(call: CallReport): void {
    this.calls.inc({ provider: call.provider, model: call.model, outcome: call.outcome });
    if (call.costMicros > 0) this.spend.inc({ provider: call.provider, model: call.model }, call.costMicros);
    const upstreamMs = call.upstreamMs ?? 0;
    this.added.observe({ provider: call.provider }, Math.max(0, call.totalMs - upstreamMs) / 1000);
    if (call.upstreamMs !== undefined) this.upstream.observe({ provider: call.provider }, call.upstreamMs / 1000);
    if (call.ledgerWriteMs !== undefined) this.ledgerWrite.observe(call.ledgerWriteMs / 1000);
  }
}
