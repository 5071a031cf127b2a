import type { Logger } from "pino";
import { MAX_EVENTS_PER_BATCH, MAX_TELEMETRY_BODY_BYTES, type TelemetryIngestResponse } from "@iron/protocol";
import type { Store } from "./state/store.js";
import { PanelError, type PanelClient } from "./panel-client.js";

/** After this many consecutive failed attempts telemetry turns itself off for the rest of the process. */
export const MAX_CONSECUTIVE_FAILURES = 3;

export type TelemetryState = "off" | "enabled" | "disabled";

export interface TelemetryStatus {
  state: TelemetryState;
  /** Why it is off or disabled. */
  reason: string | null;
  queued: number;
  sent: number;
  consecutive_failures: number;
  last_error: string | null;
  last_success_at: string | null;
}

export interface TelemetryOptions {
  intervalMs: number;
  retryMs: number;
  onDelivered(result: TelemetryIngestResponse): void;
  onTokenRefused(error: PanelError): void;
}

/**
 * Sends queued events to the panel in batches, from timers only: nothing here
 * runs on an LLM call's path. Events leave the queue only once the panel has
 * acknowledged them (accepted or duplicate), so a crash or an outage resends
 * and the panel's idempotency on event_id keeps every event counted once.
 */
export class TelemetrySender {
  private state: TelemetryState;
  private reason: string | null;
  private failures = 0;
  private sent = 0;
  private lastError: string | null = null;
  private lastSuccessAt: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly tokenId: string,
    private readonly panel: PanelClient | undefined,
    private readonly log: Logger,
    private readonly options: TelemetryOptions,
    offReason: string | null,
  ) {
    this.state = panel && offReason === null ? "enabled" : "off";
    this.reason = this.state === "off" ? (offReason ?? "no control panel URL") : null;
  }

  get enabled(): boolean {
    return this.state === "enabled";
  }

  /** Called after an event is queued: sends within one interval (now, when a full batch waits). */
  notify(): void {
    if (this.state !== "enabled" || this.timer || this.inFlight) return;
    this.schedule(this.options.intervalMs);
  }

  /** Starts sending whatever a previous run left queued. */
  start(): void {
    if (this.state === "enabled" && this.store.queueSize(this.tokenId).count > 0) this.schedule(0);
  }

  status(): TelemetryStatus {
    return {
      state: this.state,
      reason: this.reason,
      queued: this.store.queueSize(this.tokenId).count,
      sent: this.sent,
      consecutive_failures: this.failures,
      last_error: this.lastError,
      last_success_at: this.lastSuccessAt,
    };
  }

  /**
   * Stops the timers; with `flush`, makes one last attempt to deliver what is queued.
   * Waits at most `graceMs` in all: a hanging panel must not hold up a shutdown (undelivered events stay queued).
   */
  async stop(flush: boolean, graceMs: number): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const last = (async () => {
      await this.inFlight;
      if (flush && this.state === "enabled") await this.sendOneBatch();
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([last, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (this.state === "enabled") {
      this.state = "off";
      this.reason = "the runtime is shutting down";
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.sendOneBatch().finally(() => (this.inFlight = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async sendOneBatch(): Promise<void> {
    if (!this.panel || this.state !== "enabled") return;
    const rows = this.store.peekQueue(this.tokenId, MAX_EVENTS_PER_BATCH);
    if (rows.length === 0) return;
    const batch: typeof rows = [];
    let bytes = 16;
    for (const row of rows) {
      const size = Buffer.byteLength(row.payload) + 1;
      if (bytes + size > MAX_TELEMETRY_BODY_BYTES && batch.length > 0) break;
      bytes += size;
      batch.push(row);
    }
    const body = `{"events":[${batch.map((r) => r.payload).join(",")}]}`;
    try {
      const result = await this.panel.sendTelemetry(body);
      this.store.ackQueued(batch.map((r) => r.seq));
      this.sent += result.accepted + result.duplicates;
      this.failures = 0;
      this.lastError = null;
      this.lastSuccessAt = new Date().toISOString();
      this.options.onDelivered(result);
      if (this.store.queueSize(this.tokenId).count > 0) this.schedule(0);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = message;
    if (err instanceof PanelError && err.tokenRefused) {
      this.disable(`the panel refused the token (${err.code ?? err.status})`);
      this.options.onTokenRefused(err);
      return;
    }
    this.failures += 1;
    if (this.failures >= MAX_CONSECUTIVE_FAILURES) {
      this.disable(`${this.failures} consecutive failed attempts (last: ${message})`);
      return;
    }
    this.schedule(this.options.retryMs * 2 ** (this.failures - 1));
  }

  private disable(reason: string): void {
    this.state = "disabled";
    this.reason = reason;
    const queued = this.store.queueSize(this.tokenId).count;
    this.log.warn({ queued }, `telemetry disabled for this process: ${reason}; ${queued} queued events stay on disk and are sent when the runtime next starts with telemetry on`);
  }
}
