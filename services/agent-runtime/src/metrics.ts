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
const PROVIDERS: readonly Provider[] = ["openai", "anthropic"];
const OUTCOMES: readonly CallOutcome[] = ["ok", "refused", "upstream_error", "rejected"];
/** Seconds; the added time is sub-millisecond when healthy, upstream answers take up to minutes. */
const ADDED_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const LEDGER_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
/** Calls wait this many at most before they are counted (they are also counted whenever Prometheus scrapes). */
const BATCH = 256;
/** Per batched call: cost, total ms, upstream ms (NaN: never asked), ledger write ms (NaN: none). */
const FIELDS = 4;
/**
 * How often the event-loop lag is sampled, in ms. prom-client's default (10) wakes an idle runtime 100 times a
 * second: measured here, an idle runtime then spends 8.9 ms of CPU a second (0.34 without metrics), 1.1 at 100 ms. A
 * runtime runs beside every agent, most of them idle most of the time; 10 samples a second still give a scrape
 * interval hundreds of them for the lag's percentiles.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

interface CallLabels {
  provider: Provider;
  model: string;
  outcome: CallOutcome;
}

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
  /** The label sets seen so far (bounded: providers × price-table models and `other` × outcomes). */
  private readonly labelSets: CallLabels[] = [];
  /** Their indexes by model, then provider × outcome (the model strings are the price table's, so the lookup hashes nothing new). */
  private readonly labelIndex = new Map<string, Int32Array>();
  /** The calls not counted yet, as numbers only: holding their report objects would keep them alive past the young GC. */
  private readonly batchLabels = new Uint16Array(BATCH);
  private readonly batchValues = new Float64Array(BATCH * FIELDS);
  private batched = 0;

  constructor(source: RuntimeGaugeSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
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
   * Records a finished call. The counters and histograms take the calls in batches, at each scrape or every BATCH
   * calls (every 0.5 s at 500 calls/s: often enough for V8 to optimise the batch loop): five labelled prom-client updates on every call cost more than all the rest of the runtime's bookkeeping,
   * and a batch runs hot in the CPU's caches. A scrape always sees every call recorded before it.
   */
  record(call: CallReport): void {
    let byModel = this.labelIndex.get(call.model);
    if (byModel === undefined) this.labelIndex.set(call.model, (byModel = new Int32Array(PROVIDERS.length * OUTCOMES.length).fill(-1)));
    const slot = PROVIDERS.indexOf(call.provider) * OUTCOMES.length + OUTCOMES.indexOf(call.outcome);
    let labels = byModel[slot]!;
    if (labels < 0) byModel[slot] = labels = this.labelSets.push({ provider: call.provider, model: call.model, outcome: call.outcome }) - 1;
    const i = this.batched++;
    this.batchLabels[i] = labels;
    const v = i * FIELDS;
    this.batchValues[v] = call.costMicros;
    this.batchValues[v + 1] = call.totalMs;
    this.batchValues[v + 2] = call.upstreamMs ?? NaN;
    this.batchValues[v + 3] = call.ledgerWriteMs ?? NaN;
    if (this.batched === BATCH) this.count();
  }

  /** The exposition text, as Prometheus scrapes it. */
  async text(): Promise<{ contentType: string; body: string }> {
    this.count();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Counts the batch: calls and spend summed per label set (one counter update each), latencies observed one by one. */
  private count(): void {
    const calls = new Float64Array(this.labelSets.length);
    const spend = new Float64Array(this.labelSets.length);
    for (let i = 0; i < this.batched; i++) {
      const labels = this.batchLabels[i]!;
      const v = i * FIELDS;
      const [cost, totalMs, upstreamMs, ledgerMs] = [this.batchValues[v]!, this.batchValues[v + 1]!, this.batchValues[v + 2]!, this.batchValues[v + 3]!];
      calls[labels]! += 1;
      spend[labels]! += cost;
      const provider = this.labelSets[labels]!.provider;
      const upstreamKnown = !Number.isNaN(upstreamMs);
      this.added.observe({ provider }, Math.max(0, totalMs - (upstreamKnown ? upstreamMs : 0)) / 1000);
      if (upstreamKnown) this.upstream.observe({ provider }, upstreamMs / 1000);
      if (!Number.isNaN(ledgerMs)) this.ledgerWrite.observe(ledgerMs / 1000);
    }
    for (let labels = 0; labels < calls.length; labels++) {
      if (calls[labels] === 0) continue;
      const { provider, model, outcome } = this.labelSets[labels]!;
      this.calls.inc({ provider, model, outcome }, calls[labels]);
      if (spend[labels]! > 0) this.spend.inc({ provider, model }, spend[labels]);
    }
    this.batched = 0;
  }
}
