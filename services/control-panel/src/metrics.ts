import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Pool } from "./db.js";
import type { EventBus } from "./event-bus.js";

const TOKEN_STATUSES = ["active", "exhausted", "expired", "revoked"] as const;
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One query per scrape: tokens by status and the spend of every agent that has a token. */
const TOKENS_SQL = `
SELECT CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
            WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired'
            WHEN spent_micros >= budget_micros THEN 'exhausted'
            ELSE 'active' END AS status,
       agent_id, count(*)::int AS tokens, sum(spent_micros)::text AS spent
  FROM agent_tokens GROUP BY 1, 2`;

interface TokensRow {
  status: (typeof TOKEN_STATUSES)[number];
  agent_id: string;
  tokens: number;
  /** numeric sum as text: read without a float in between. */
  spent: string;
}

/**
 * The panel's Prometheus metrics, on a registry of its own (the pilot runs the runtime in the same process).
 * Labels are bounded: route is the route's template (`/api/tokens/:id`, or `unmatched`), status the HTTP code, and
 * agent_id the agents that hold a token (admins create them). Tokens and spend are read from the database at scrape
 * time, so every replica reports the same series: aggregate those with max(), not sum().
 */
export class PanelMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"method" | "route" | "status">;
  private readonly duration: Histogram<"method" | "route">;
  private readonly events: Counter<"result">;
  private readonly rejectedBatches: Counter;

  constructor(pool: Pool, bus: EventBus) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: "iron_panel_http_requests_total", help: "HTTP requests by method, route template and status", labelNames: ["method", "route", "status"], registers });
    this.duration = new Histogram({ name: "iron_panel_http_request_duration_seconds", help: "HTTP request duration by method and route template", labelNames: ["method", "route"], buckets: HTTP_BUCKETS, registers });
    this.events = new Counter({ name: "iron_panel_telemetry_events_total", help: "Telemetry events received, by result (accepted, duplicate)", labelNames: ["result"], registers });
    this.rejectedBatches = new Counter({ name: "iron_panel_telemetry_batches_rejected_total", help: "Telemetry batches refused (invalid, too large, bad or revoked token)", registers });
    new Gauge({
      name: "iron_panel_db_pool_connections",
      help: "PostgreSQL pool connections by state (in_use, idle, waiting: requests queued for a connection)",
      labelNames: ["state"],
      registers,
      collect() {
        this.set({ state: "in_use" }, pool.totalCount - pool.idleCount);
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "waiting" }, pool.waitingCount);
      },
    });
    new Gauge({ name: "iron_panel_sse_clients", help: "Open live event streams (GET /api/events) on this replica", registers, collect() { this.set(bus.subscriberCount); } });

    // Both read by one query: prom-client collects the metrics of a registry in parallel, so the first starts it.
    let scrape: Promise<TokensRow[]> | undefined;
    const rows = () => (scrape ??= pool.query<TokensRow>(TOKENS_SQL).then((r) => r.rows).finally(() => setImmediate(() => (scrape = undefined))));
    new Gauge({
      name: "iron_panel_tokens",
      help: "Agent tokens by status",
      labelNames: ["status"],
      registers,
      async collect() {
        const counts = Object.fromEntries(TOKEN_STATUSES.map((s) => [s, 0]));
        for (const r of await rows()) counts[r.status] = (counts[r.status] ?? 0) + r.tokens;
        for (const status of TOKEN_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Counter({
      name: "iron_panel_agent_spend_micros_total",
      help: "Spend recorded for each agent (all its tokens), in micro-USD, from the database",
      labelNames: ["agent_id"],
      registers,
      async collect() {
        const byAgent = new Map<string, bigint>();
        for (const r of await rows()) byAgent.set(r.agent_id, (byAgent.get(r.agent_id) ?? 0n) + BigInt(r.spent));
        this.reset();
        for (const [agent_id, spent] of byAgent) this.inc({ agent_id }, Number(spent));
      },
    });
  }

  /** One finished HTTP request (from the onResponse hook). */
  request(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method, route: route ?? "unmatched" };
    this.requests.inc({ ...labels, status: String(status) });
    this.duration.observe(labels, seconds);
  }

  /** One telemetry batch: what was stored and what was a duplicate, or that it was refused. */
  telemetry(result: { accepted: number; duplicates: number } | "rejected"): void {
    if (result === "rejected") {
      this.rejectedBatches.inc();
      return;
    }
    if (result.accepted) this.events.inc({ result: "accepted" }, result.accepted);
    if (result.duplicates) this.events.inc({ result: "duplicate" }, result.duplicates);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
