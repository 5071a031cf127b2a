import { readFileSync } from "node:fs";
import { Agent } from "undici";
import { pino, type Logger } from "pino";
import type { JSONWebKeySet } from "jose";
import { TokenStatus } from "@iron/protocol";
import { ConfigError, parseOptions, type RuntimeConfig, type RuntimeOptionsInput } from "./config.js";
import { Budget } from "./budget.js";
import { Prices } from "./prices.js";
import { Store } from "./state/store.js";
import { isJwks, readClaims, TokenError, tokenKeyId, verifyToken } from "./token.js";
import { TokenGuard, type Verification } from "./token-guard.js";
import { PanelClient, PanelError } from "./panel-client.js";
import { TelemetrySender, type TelemetryStatus } from "./telemetry.js";
import { RuntimeMetrics } from "./metrics.js";
import { proxyCall, type CallContext, type ProxyCall, type ProxyResult } from "./proxy-call.js";

/** What `GET /status` and `runtime.status()` report. Money in micro-USD. */
export interface RuntimeStatus {
  token: { id: string; agent_id: string; status: TokenStatus; verification: Verification; verified_by: string | null; problem: string | null; expires_at: string | null };
  budget_micros: number;
  spent_micros: number;
  reserved_micros: number;
  remaining_micros: number;
  calls_in_flight: number;
  calls: number;
  telemetry: TelemetryStatus & { panel_url: string | null };
  panel: { last_sync_at: string | null; last_error: string | null };
}

const META_JWKS = "jwks";
/** The longest a shutdown waits for a last telemetry batch. */
const SHUTDOWN_FLUSH_MS = 2000;
const metaBudget = (tokenId: string) => `budget_micros:${tokenId}`;
const metaStatus = (tokenId: string) => `status:${tokenId}`;

/**
 * The enforcement engine behind both the daemon and the SDK: one agent token,
 * one state dir, one budget. Everything that talks to the panel runs on timers.
 */
export class Runtime {
  readonly log: Logger;
  /** Prometheus metrics (GET /metrics); undefined when turned off (`metrics: false`). */
  readonly metrics: RuntimeMetrics | undefined;
  private readonly guard: TokenGuard;
  private readonly budget: Budget;
  private readonly telemetry: TelemetrySender;
  private readonly upstream = new Agent({ keepAliveTimeout: 60_000, headersTimeout: 600_000, bodyTimeout: 300_000 });
  private readonly queueTelemetry: boolean;
  private readonly callContext: CallContext;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshFailures = 0;
  private lastSyncAt: string | null = null;
  private lastPanelError: string | null = null;
  private closed = false;
  /** Settled calls in the ledger (kept here: summing the ledger per /status would grow with it). */
  private calls: number;

  private constructor(
    readonly config: RuntimeConfig,
    log: Logger,
    private readonly store: Store,
    private readonly prices: Prices,
    private readonly panel: PanelClient | undefined,
  ) {
    this.log = log;
    const claims = readClaims(config.token);
    const tokenId = claims.jti;
    const rememberedStatus = TokenStatus.safeParse(store.getMeta(metaStatus(tokenId)));
    this.guard = new TokenGuard(claims, rememberedStatus.success ? rememberedStatus.data : "active");
    this.queueTelemetry = panel !== undefined && config.telemetry;
    this.recoverInterruptedCalls();
    const totals = store.totals(tokenId);
    const rememberedBudget = Number(store.getMeta(metaBudget(tokenId)) ?? NaN);
    this.budget = new Budget(Number.isSafeInteger(rememberedBudget) ? rememberedBudget : claims.budget_micros, totals.spent);
    this.calls = totals.calls;
    const offReason = !panel ? "no control panel URL" : config.telemetry ? null : "turned off by configuration";
    this.telemetry = new TelemetrySender(store, tokenId, panel, log, {
      intervalMs: config.telemetryIntervalMs,
      retryMs: config.telemetryRetryMs,
      onDelivered: (r) => {
        this.budget.observePanelSpend(r.spent_micros, this.store.queueSize(this.tokenId).cost_micros);
        this.setStatus(r.status);
      },
      onTokenRefused: (e) => this.onTokenRefused(e),
    }, offReason);
    this.metrics = config.metrics ? new RuntimeMetrics({ budget: () => this.budgetFigures(), telemetry: () => this.telemetry.status() }) : undefined;
    const metrics = this.metrics;
    this.callContext = {
      tokenId,
      budget: this.budget,
      prices,
      store,
      upstream: this.upstream,
      log,
      refusal: (now) => this.guard.refusal(now),
      queueTelemetry: this.queueTelemetry,
      onSettled: (queued) => {
        this.calls += 1;
        if (queued) this.telemetry.notify();
      },
      report: metrics && ((call) => metrics.record(call)),
    };
  }

  /** Validates options, opens the state dir and establishes the token; throws ConfigError with what to change. */
  static async open(input: RuntimeOptionsInput): Promise<Runtime> {
    const { logger, ...options } = input;
    const config = parseOptions(options);
    const log = logger ?? pino({ level: config.logLevel, base: { service: "iron-runtime" } });
    const prices = new Prices(config.pricesFile, config.unknownModels);
    try {
      readClaims(config.token);
    } catch (err) {
      if (err instanceof TokenError) throw new ConfigError(err.message);
      throw err;
    }
    const store = new Store(config.stateDir, (message) => log.error({ err: message }, "cannot move settled calls from the call journal into the ledger (or start the journal over); they stay in the journal and the runtime retries"));
    const panel = config.controlPanelUrl ? new PanelClient(config.controlPanelUrl, config.token, config.telemetryTimeoutMs) : undefined;
    const runtime = new Runtime(config, log, store, prices, panel);
    try {
      await runtime.establishToken();
    } catch (err) {
      await runtime.close({ flush: false });
      throw err;
    }
    const foreign = store.queueSize(runtime.tokenId).other_tokens;
    if (foreign > 0) log.warn({ queued: foreign }, "the state dir holds telemetry of another agent token; it is kept but only this token's events are sent");
    runtime.telemetry.start();
    if (panel) runtime.scheduleRefresh(0);
    log.info({ token_id: runtime.tokenId, agent_id: runtime.guard.claims.sub, budget_micros: runtime.budget.budgetMicros, spent_micros: runtime.budget.spentMicros, verification: runtime.guard.verification, telemetry: runtime.telemetry.status().state }, "runtime ready");
    return runtime;
  }

  get tokenId(): string {
    return this.guard.claims.jti;
  }

  /** Runs one LLM call under the budget. */
  handle(call: ProxyCall): Promise<ProxyResult> {
    return proxyCall(this.callContext, call);
  }

  status(): RuntimeStatus {
    const g = this.guard;
    return {
      token: { id: this.tokenId, agent_id: g.claims.sub, status: g.status, verification: g.verification, verified_by: g.verifiedBy, problem: g.problem, expires_at: g.expiresAt },
      ...this.budgetFigures(),
      calls: this.calls,
      telemetry: { ...this.telemetry.status(), panel_url: this.config.controlPanelUrl ?? null },
      panel: { last_sync_at: this.lastSyncAt, last_error: this.lastPanelError },
    };
  }

  private budgetFigures() {
    const b = this.budget;
    return { budget_micros: b.budgetMicros, spent_micros: b.spentMicros, reserved_micros: b.reservedMicros, remaining_micros: b.remainingMicros, calls_in_flight: b.callsInFlight };
  }

  /** Every settled call of this token, oldest first (the local ledger). */
  ledger() {
    return this.store.ledger(this.tokenId);
  }

  /** Stops the timers, makes one last telemetry attempt (unless `flush: false`) and closes the state. */
  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.telemetry.stop(options.flush ?? true, Math.min(this.config.telemetryTimeoutMs, SHUTDOWN_FLUSH_MS));
    await Promise.all([this.panel?.close(), this.upstream.close()]);
    await this.store.close();
  }

  /** Verifies the signature with the first key source at hand; without one, keeps calls refused until the panel's keys arrive. */
  private async establishToken(): Promise<void> {
    const { config, guard } = this;
    if (config.jwksFile) {
      const jwks = readJwksFile(config.jwksFile);
      await verifyToken(config.token, jwks).catch((err: Error) => {
        throw new ConfigError(`${err.message} (keys from --jwks-file ${config.jwksFile})`);
      });
      guard.markVerified("jwks-file");
      return;
    }
    if (config.jwks) {
      await verifyToken(config.token, parseInlineJwks(config.jwks)).catch((err: Error) => {
        throw new ConfigError(`${err.message} (keys from IRON_JWKS)`);
      });
      guard.markVerified("jwks-env");
      return;
    }
    const cached = this.cachedJwks();
    if (cached && (await verifyToken(config.token, cached).then(() => true, () => false))) {
      guard.markVerified("cached-jwks");
      return;
    }
    if (config.trustUnverifiedToken) {
      guard.markVerified("trust-flag");
      this.log.warn("the agent token's signature is not checked (--trust-unverified-token): its budget is taken on trust");
      return;
    }
    if (!this.panel) {
      throw new ConfigError("cannot verify IRON_TOKEN: set IRON_CONTROL_PANEL_URL (keys are fetched and cached), give --jwks-file with the panel's /.well-known/jwks.json, or accept it unchecked with --trust-unverified-token");
    }
    guard.problem = `the Control Panel at ${config.controlPanelUrl} has not answered yet and no keys are cached`;
  }

  private cachedJwks(): JSONWebKeySet | undefined {
    try {
      const value: unknown = JSON.parse(this.store.getMeta(META_JWKS) ?? "null");
      return isJwks(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private scheduleRefresh(delayMs: number): void {
    if (this.closed) return;
    this.refreshTimer = setTimeout(() => void this.refreshFromPanel(), delayMs);
    this.refreshTimer.unref();
  }

  /** Off the request path: fetch keys while the token is unverified, then the token's live budget and status. */
  private async refreshFromPanel(): Promise<void> {
    const panel = this.panel;
    if (!panel || this.closed) return;
    try {
      if (this.guard.verification === "pending" || (this.guard.verifiedBy === "cached-jwks" && this.refreshFailures === 0 && this.lastSyncAt === null)) {
        await this.verifyWithPanelKeys(panel);
      }
      const self = await panel.tokenSelf();
      if (this.closed) return;
      this.budget.setLimit(self.budget_micros);
      this.store.setMeta(metaBudget(this.tokenId), String(self.budget_micros));
      this.budget.observePanelSpend(self.spent_micros, this.store.queueSize(this.tokenId).cost_micros);
      this.setStatus(self.status);
      this.lastSyncAt = new Date().toISOString();
      this.lastPanelError = null;
      this.refreshFailures = 0;
    } catch (err) {
      if (this.closed) return;
      this.lastPanelError = (err as Error).message;
      if (err instanceof PanelError && err.tokenRefused) this.onTokenRefused(err);
      this.refreshFailures += 1;
    }
    const backoff = Math.min(this.config.panelRefreshMs, this.config.telemetryRetryMs * 2 ** this.refreshFailures);
    this.scheduleRefresh(this.refreshFailures === 0 ? this.config.panelRefreshMs : backoff);
  }

  private async verifyWithPanelKeys(panel: PanelClient): Promise<void> {
    const jwks = await panel.jwks();
    if (this.closed) return;
    this.store.setMeta(META_JWKS, JSON.stringify(jwks));
    try {
      await verifyToken(this.config.token, jwks);
      if (this.guard.verification === "pending") this.guard.markVerified("panel-jwks");
    } catch (err) {
      const kid = tokenKeyId(this.config.token);
      this.guard.markInvalid(`${(err as Error).message}${kid ? ` (kid ${kid})` : ""}`);
      this.log.error(`the agent token does not verify against the Control Panel's keys; calls are refused`);
    }
  }

  private onTokenRefused(err: PanelError): void {
    const status = err.code === "token_expired" ? "expired" : err.code === "token_revoked" ? "revoked" : undefined;
    if (status) this.setStatus(status);
    else this.log.warn(`the Control Panel refuses the agent token (${err.message})`);
  }

  private setStatus(status: TokenStatus): void {
    if (status === this.guard.status) return;
    this.guard.status = status;
    this.store.setMeta(metaStatus(this.tokenId), status);
    if (status === "revoked" || status === "expired") this.log.warn(`the Control Panel reports the agent token ${status}; calls are refused from now on`);
  }

  /** Calls that were in flight when a previous process died: charged their reservation, since the provider may have billed them. */
  private recoverInterruptedCalls(): void {
    const recovery = this.store.recover(this.queueTelemetry);
    for (const r of recovery.interrupted) {
      this.log.warn({ event_id: r.event_id, token_id: r.token_id, cost_micros: r.reserved_micros }, "a call interrupted by the last shutdown is charged its reservation");
    }
    if (recovery.settled > 0) this.log.info({ calls: recovery.settled }, "settled calls from the call journal moved into the ledger");
    if (recovery.skippedLines > 0) this.log.warn({ lines: recovery.skippedLines }, "the call journal had lines cut short (a power loss?); they were skipped");
  }
}

function parseInlineJwks(text: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`IRON_JWKS is not JSON: ${(err as Error).message}`);
  }
  if (!isJwks(value)) throw new ConfigError(`IRON_JWKS is not a JWKS ({ "keys": [...] })`);
  return value;
}

function readJwksFile(path: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read --jwks-file ${path}: ${(err as Error).message}`);
  }
  if (!isJwks(value)) throw new ConfigError(`--jwks-file ${path} is not a JWKS ({ "keys": [...] })`);
  return value;
}
