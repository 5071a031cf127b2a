import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TelemetryEvent } from "@iron/protocol";
import { Checkpointer } from "./checkpointer.js";

/** A call as the ledger keeps it. `pending` while the upstream call runs; `settled` once its cost is known. */
export interface LedgerRow {
  /** Row id; absent for a call that never had a pending row (refused before it reserved). */
  id?: number;
  event_id: string;
  token_id: string;
  ts: string;
  type: TelemetryEvent["type"];
  provider: string;
  endpoint: string;
  model: string;
  state: "pending" | "settled";
  reserved_micros: number;
  cost_micros: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  http_status: number;
}

// Rows are appended in rowid order and found again by rowid, and the tables carry no secondary index: a call
// writes the last page of each table it touches, nothing more. Whole-ledger reads happen only at start.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  token_id TEXT NOT NULL,
  ts TEXT NOT NULL,
  type TEXT NOT NULL,
  provider TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'settled')),
  reserved_micros INTEGER NOT NULL,
  cost_micros INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  cached_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  latency_ms INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS telemetry_queue (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  token_id TEXT NOT NULL,
  cost_micros INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export class StateDirInUseError extends Error {}

const CHECKPOINT_INTERVAL_MS = 1000;

/** An exclusive lock on a small SQLite file, held until closed or the process ends. */
function takeLock(path: string, stateDir: string): Database.Database {
  const lock = new Database(path, { timeout: 0 });
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.exec("CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL)");
    lock.prepare("INSERT OR REPLACE INTO holder (id, pid) VALUES (1, ?)").run(process.pid); // the write takes the lock
    return lock;
  } catch (err) {
    lock.close();
    if (err instanceof Error && /locked|busy/i.test(err.message)) {
      throw new StateDirInUseError(`the state dir ${stateDir} is in use by another iron-runtime; give each runtime its own --state-dir`);
    }
    throw err;
  }
}

/**
 * The runtime's local state in `<stateDir>/runtime.sqlite`: the ledger of every
 * call, the telemetry queue and a few remembered facts (JWKS, last known budget
 * and token status). `<stateDir>/runtime.lock` is held in exclusive locking
 * mode for the life of the process, so two runtimes can never share one state
 * dir (their reservations would not see each other); the OS drops it if the
 * process dies.
 */
export class Store {
  private readonly lock: Database.Database;
  private readonly db: Database.Database;
  private readonly checkpointer: Checkpointer;
  private readonly stmts;
  private readonly settleTx: (row: LedgerRow, event: TelemetryEvent | undefined) => void;
  private readonly ackTx: (seqs: number[]) => void;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.lock = takeLock(join(stateDir, "runtime.lock"), stateDir);
    const file = join(stateDir, "runtime.sqlite");
    try {
      this.db = new Database(file, { timeout: 5000 });
      // Small pages: a call's commit rewrites the tail page of each table it touches, so the page size is the
      // write volume per call (set before the database exists; an existing one keeps its size).
      this.db.pragma("page_size = 1024");
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("wal_autocheckpoint = 0"); // the checkpoint thread does it, off the request path
      this.db.exec(SCHEMA);
    } catch (err) {
      this.lock.close();
      throw err;
    }
    this.checkpointer = new Checkpointer(file, CHECKPOINT_INTERVAL_MS, () => {
      if (this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
    });
    this.stmts = {
      insertPending: this.db.prepare(
        `INSERT INTO ledger (event_id, token_id, ts, type, provider, endpoint, model, state, reserved_micros)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      ),
      settle: this.db.prepare(
        `UPDATE ledger SET state = 'settled', type = @type, cost_micros = @cost_micros, input_tokens = @input_tokens,
           cached_input_tokens = @cached_input_tokens, cache_write_input_tokens = @cache_write_input_tokens,
           output_tokens = @output_tokens, latency_ms = @latency_ms, http_status = @http_status
         WHERE id = @id AND state = 'pending'`,
      ),
      insertSettled: this.db.prepare(
        `INSERT INTO ledger (event_id, token_id, ts, type, provider, endpoint, model, state, reserved_micros, cost_micros,
           input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens, latency_ms, http_status)
         VALUES (@event_id, @token_id, @ts, @type, @provider, @endpoint, @model, 'settled', @reserved_micros, @cost_micros,
           @input_tokens, @cached_input_tokens, @cache_write_input_tokens, @output_tokens, @latency_ms, @http_status)`,
      ),
      enqueue: this.db.prepare("INSERT INTO telemetry_queue (event_id, token_id, cost_micros, payload) VALUES (?, ?, ?, ?)"),
      pending: this.db.prepare("SELECT * FROM ledger WHERE token_id = ? AND state = 'pending'"),
      spent: this.db.prepare("SELECT COALESCE(SUM(cost_micros), 0) AS spent, COUNT(*) AS calls FROM ledger WHERE token_id = ? AND state = 'settled'"),
      peek: this.db.prepare("SELECT seq, event_id, payload FROM telemetry_queue WHERE token_id = ? ORDER BY seq LIMIT ?"),
      queued: this.db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(cost_micros), 0) AS cost FROM telemetry_queue WHERE token_id = ?"),
      queuedOther: this.db.prepare("SELECT COUNT(*) AS n FROM telemetry_queue WHERE token_id <> ?"),
      ack: this.db.prepare("DELETE FROM telemetry_queue WHERE seq = ?"),
      getMeta: this.db.prepare("SELECT value FROM meta WHERE key = ?"),
      setMeta: this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      ledger: this.db.prepare("SELECT * FROM ledger WHERE token_id = ? ORDER BY id"),
    };
    // Transaction wrappers are built once: building one per call costs more than the statements inside.
    this.settleTx = this.db.transaction((row: LedgerRow, event: TelemetryEvent | undefined) => {
      const changed = row.id === undefined ? 0 : this.stmts.settle.run(row).changes;
      if (changed === 0) this.stmts.insertSettled.run(row);
      if (event) this.stmts.enqueue.run(event.event_id, row.token_id, event.cost_micros, JSON.stringify(event));
    });
    this.ackTx = this.db.transaction((seqs: number[]) => {
      for (const seq of seqs) this.stmts.ack.run(seq);
    });
  }

  /** Records a call about to go upstream; returns its row id for `settle`. */
  insertPending(row: Pick<LedgerRow, "event_id" | "token_id" | "ts" | "type" | "provider" | "endpoint" | "model" | "reserved_micros">): number {
    // Bound by position (cheaper than by name): this runs on every call.
    const { event_id, token_id, ts, type, provider, endpoint, model, reserved_micros } = row;
    return Number(this.stmts.insertPending.run(event_id, token_id, ts, type, provider, endpoint, model, reserved_micros).lastInsertRowid);
  }

  /** Settles a pending call and queues its telemetry event, in one transaction (a crash keeps both or neither). */
  settle(row: LedgerRow, event: TelemetryEvent | undefined): void {
    // Without an event to queue, a settled pending row is one statement, atomic on its own: skip BEGIN/COMMIT.
    if (!event && row.id !== undefined && this.stmts.settle.run(row).changes === 1) return;
    this.settleTx(row, event);
  }

  pendingCalls(tokenId: string): LedgerRow[] {
    return this.stmts.pending.all(tokenId) as LedgerRow[];
  }

  totals(tokenId: string): { spent: number; calls: number } {
    return this.stmts.spent.get(tokenId) as { spent: number; calls: number };
  }

  /** The oldest queued events of `tokenId`. */
  peekQueue(tokenId: string, limit: number): { seq: number; event_id: string; payload: string }[] {
    return this.stmts.peek.all(tokenId, limit) as { seq: number; event_id: string; payload: string }[];
  }

  queueSize(tokenId: string): { count: number; cost_micros: number; other_tokens: number } {
    const mine = this.stmts.queued.get(tokenId) as { n: number; cost: number };
    const other = this.stmts.queuedOther.get(tokenId) as { n: number };
    return { count: mine.n, cost_micros: mine.cost, other_tokens: other.n };
  }

  ackQueued(seqs: number[]): void {
    this.ackTx(seqs);
  }

  getMeta(key: string): string | undefined {
    return (this.stmts.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  ledger(tokenId: string): LedgerRow[] {
    return this.stmts.ledger.all(tokenId) as LedgerRow[];
  }

  async close(): Promise<void> {
    await this.checkpointer.stop();
    if (this.db.open) this.db.close();
    if (this.lock.open) this.lock.close();
  }
}
