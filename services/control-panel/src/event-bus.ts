import type { FastifyBaseLogger } from "fastify";
import type { StoredTelemetryEvent } from "@iron/protocol";
import { createClient, type Pool } from "./db.js";
import { ACCESS_CHANNEL } from "./access-events.js";

export const TELEMETRY_CHANNEL = "iron_telemetry";

export interface EventRow {
  token_id: string;
  event_id: string;
  seq: number;
  agent_id: string;
  ts: Date;
  type: StoredTelemetryEvent["type"];
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  latency_ms: number;
  attrs: Record<string, unknown> | null;
  received_at: Date;
}

export const EVENT_COLUMNS =
  "e.token_id, e.event_id, e.seq, e.agent_id, e.ts, e.type, e.provider, e.model, e.input_tokens, e.output_tokens, e.cost_micros, e.latency_ms, e.attrs, e.received_at";

export function eventView(e: EventRow): StoredTelemetryEvent {
  return {
    event_id: e.event_id,
    token_id: e.token_id,
    agent_id: e.agent_id,
    ts: e.ts.toISOString(),
    type: e.type,
    provider: e.provider,
    model: e.model,
    input_tokens: e.input_tokens,
    output_tokens: e.output_tokens,
    cost_micros: e.cost_micros,
    latency_ms: e.latency_ms,
    attrs: e.attrs,
    received_at: e.received_at.toISOString(),
  };
}

export type OwnedEventRow = EventRow & { owner_id: string };
const OWNED_EVENT_COLUMNS = `${EVENT_COLUMNS}, t.owner_id FROM telemetry_events e JOIN agent_tokens t ON t.id = e.token_id`;

/**
 * The events after `seq` (of tokens owned by `ownerId` only, when given): the newest `limit` of them, oldest first,
 * and whether older ones were left out. For a stream client that reconnects with Last-Event-ID.
 */
export async function eventsAfter(pool: Pool, seq: number, ownerId: string | undefined, limit: number): Promise<{ rows: OwnedEventRow[]; truncated: boolean }> {
  const { rows } = await pool.query<OwnedEventRow>(
    `SELECT ${OWNED_EVENT_COLUMNS} WHERE e.seq > $1 ${ownerId ? "AND t.owner_id = $3" : ""} ORDER BY e.seq DESC LIMIT $2`,
    ownerId ? [seq, limit + 1, ownerId] : [seq, limit + 1],
  );
  return { rows: rows.slice(0, limit).reverse(), truncated: rows.length > limit };
}

export interface Subscriber {
  /** The user the stream belongs to, and the API key it was opened with (if one). */
  userId: string;
  keyId?: string;
  /** Whether this subscriber may see events of tokens owned by `ownerId`. */
  accepts(ownerId: string): boolean;
  send(event: StoredTelemetryEvent, seq: number): void;
  /** Ends the subscriber's stream (on shutdown, or with `reason` when its credential stops being valid). */
  close(reason?: string): void;
}

/**
 * Fans newly committed telemetry out to this replica's SSE subscribers. The ingesting transaction
 * sends `NOTIFY iron_telemetry, '<token id>|<event id>,…'` (delivered only if it commits), so every
 * replica hears about every event; a replica fetches the rows only when it has subscribers.
 */
export class EventBus {
  private readonly subscribers = new Set<Subscriber>();
  private client: ReturnType<typeof createClient> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 500;

  constructor(
    private readonly databaseUrl: string,
    private readonly pool: Pool,
    private readonly log: FastifyBaseLogger,
  ) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** Starts listening; reconnects on its own after PostgreSQL goes away. */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of [...this.subscribers]) s.close();
    clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = createClient(this.databaseUrl);
    this.client = client;
    const retry = () => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
    client.on("error", (err) => {
      this.log.warn({ err: { message: err.message } }, "event listener connection lost; reconnecting");
      retry();
    });
    client.on("end", retry);
    client.on("notification", (msg) => {
      if (!msg.payload || this.subscribers.size === 0) return;
      if (msg.channel === TELEMETRY_CHANNEL) void this.deliver(msg.payload);
      else if (msg.channel === ACCESS_CHANNEL) this.endStreamsOf(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TELEMETRY_CHANNEL}`);
      await client.query(`LISTEN ${ACCESS_CHANNEL}`);
      this.retryMs = 500;
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, "event listener could not connect; retrying");
      retry();
    }
  }

  /** `key:<id>` or `user:<id>`: that credential, or every credential of that user, is no longer what opened the stream. */
  private endStreamsOf(payload: string): void {
    const [kind, id] = payload.split(":");
    for (const s of [...this.subscribers]) {
      if (kind === "key" && s.keyId === id) s.close("the API key was revoked");
      else if (kind === "user" && s.userId === id) s.close("the user was disabled or their role changed");
    }
  }

  private async deliver(payload: string): Promise<void> {
    const [tokenId, ids] = payload.split("|");
    if (!tokenId || !ids) return;
    try {
      const { rows } = await this.pool.query<OwnedEventRow>(
        `SELECT ${OWNED_EVENT_COLUMNS} WHERE e.token_id = $1 AND e.event_id = ANY($2::uuid[]) ORDER BY e.seq`,
        [tokenId, ids.split(",")],
      );
      for (const row of rows) {
        const view = eventView(row);
        for (const s of this.subscribers) if (s.accepts(row.owner_id)) s.send(view, row.seq);
      }
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, "could not load events for the live stream");
    }
  }
}
