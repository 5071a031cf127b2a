import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { TelemetryEvent } from "@iron/protocol";
import { CallJournal, JOURNAL_FILE, jsonString, type JournalContents, type JournalReservation } from "./journal.js";
import { LedgerWriter, type SettledBatch } from "./ledger-writer.js";
import { telemetryEvent, type UsageSource } from "./telemetry-event.js";

/**
 * A call as the ledger keeps it, once its cost is known. (`pending` rows were written by runtimes before the call
 * journal; a new one is never written, old ones are charged their reservation at start.)
 */
export interface LedgerRow {
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

/** The writer thread checkpoints this long after a commit (at most once per such span; an idle runtime not at all). */
const CHECKPOINT_DELAY_MS = 1000;
/** How long settled calls wait in the journal before they go to the ledger writer, as one transaction. */
const FLUSH_INTERVAL_MS = 100;
/** A batch this large goes at once. */
const FLUSH_AT_ROWS = 500;
/** A failed write of the ledger is tried again after this long. */
const RETRY_MS = 1000;
/** How long a read waits for the ledger writer to commit what it must see. */
const READ_WAIT_MS = 10_000;
/** The journal starts over (keeping only open reservations) once it holds this much the ledger already has. */
const JOURNAL_START_OVER_BYTES = 256 * 1024;

const ENQUEUE = "INSERT INTO telemetry_queue (event_id, token_id, cost_micros, payload) VALUES (?, ?, ?, ?)";

/** A telemetry event's JSON, as the queue holds it. */
const eventPayload = (r: SettledCall, usage: UsageSource) => JSON.stringify(telemetryEvent(r, usage));

/**
 * A batch for the writer thread: the settlements' journal items (already built for the journal: the thread parses
 * them, the main thread copies one string) and the JSON of their telemetry events.
 */
function settledBatch(batch: Settlement[]): SettledBatch {
  const lines: string[] = [];
  const payloads: string[] = [];
  for (const { row, usage, items } of batch) {
    lines.push(items ?? settlementItems(row, usage));
    if (usage) payloads.push(eventPayload(row, usage));
  }
  return { lines: lines.join("\n"), payloads };
}

/** A settled call on its way to the ledger: its row and, when its telemetry event is queued, where its usage came from. */
export type SettledCall = Omit<LedgerRow, "id" | "state">;

/** The order of a settlement's fields in the journal (the last one is the telemetry flag). */
const SETTLED_NUMBERS = ["reserved_micros", "cost_micros", "input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens", "latency_ms", "http_status"] as const;
const SETTLED_STRINGS = ["event_id", "token_id", "ts", "type", "provider", "endpoint", "model"] as const;
const TELEMETRY_FLAGS = [undefined, "reported", "estimated"] as const;
/** The ledger's columns of a settled call in the order of its journal line's fields (the writer thread relies on it). */
const SETTLED_COLUMNS = [...SETTLED_STRINGS, ...SETTLED_NUMBERS];
const INSERT_SETTLED = `INSERT INTO ledger (${SETTLED_COLUMNS.join(", ")}, state) VALUES (${SETTLED_COLUMNS.map(() => "?").join(", ")}, 'settled')`;
/** A settled call's parameters of INSERT_SETTLED. */
const settledParams = (r: SettledCall) => SETTLED_COLUMNS.map((column) => r[column]);

/** A settlement's fields as the journal line's items (the inverse of settlementFromFields), built without stringifying an array. */
function settlementItems(row: SettledCall, usage: UsageSource | undefined): string {
  return `${jsonString(row.event_id)},${jsonString(row.token_id)},${jsonString(row.ts)},${jsonString(row.type)},${jsonString(row.provider)},${jsonString(row.endpoint)},${jsonString(row.model)},`
    + `${row.reserved_micros},${row.cost_micros},${row.input_tokens},${row.cached_input_tokens},${row.cache_write_input_tokens},`
    + `${row.output_tokens},${row.latency_ms},${row.http_status},${TELEMETRY_FLAGS.indexOf(usage)}`;
}

function settlementFromFields(fields: unknown[]): { row: SettledCall; usage: UsageSource | undefined } | undefined {
  if (fields.length !== SETTLED_STRINGS.length + SETTLED_NUMBERS.length + 1) return undefined;
  const row: Record<string, unknown> = {};
  let i = 0;
  for (const key of SETTLED_STRINGS) {
    if (typeof fields[i] !== "string") return undefined;
    row[key] = fields[i++];
  }
  for (const key of SETTLED_NUMBERS) {
    if (typeof fields[i] !== "number") return undefined;
    row[key] = fields[i++];
  }
  const flag = fields[i];
  if (flag !== 0 && flag !== 1 && flag !== 2) return undefined;
  return { row: row as unknown as SettledCall, usage: TELEMETRY_FLAGS[flag] };
}

/** What `Store.recover` found: calls charged their reservation, settlements the ledger had not taken yet. */
export interface Recovery {
  interrupted: JournalReservation[];
  settled: number;
  skippedLines: number;
}

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
 * and token status); and the call journal (`calls.journal`, see journal.ts) that
 * carries each call's reservation and settlement until the ledger takes them in
 * a batch, written by a worker thread (ledger-writer.ts). `<stateDir>/runtime.lock`
 * is held in exclusive locking mode for the life of the process, so two runtimes
 * can never share one state dir (their reservations would not see each other);
 * the OS drops it if the process dies.
 */
export class Store {
  private readonly lock: Database.Database;
  private readonly db: Database.Database;
  /** Writes the batches off the main thread; undefined once its thread is gone (the main thread writes them then). */
  private writer: LedgerWriter | undefined;
  private readonly journal: CallJournal;
  private left: JournalContents | undefined;
  private readonly stmts;
  private readonly flushTx: (batch: Settlement[]) => void;
  private readonly ackTx: (seqs: number[]) => void;
  /**
   * Reservations written to the journal, the settled ones among them until the next flush drops them: a flag per call
   * instead of a Map's set and delete, which made V8 grow and shrink the Map on every call.
   */
  private reservations: OpenReservation[] = [];
  private settledReservations = 0;
  /** Settled calls in the journal not yet handed to the ledger writer. */
  private batch: Settlement[] = [];
  /** Batches handed to the writer and not committed yet, oldest first. */
  private posted: { seq: number; batch: Settlement[] }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** The last flush on the main thread failed (its retry is scheduled): calls do not try again on their own. */
  private flushFailing = false;
  private closing = false;

  constructor(stateDir: string, private readonly onFlushError: (message: string) => void = () => undefined) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.lock = takeLock(join(stateDir, "runtime.lock"), stateDir);
    const file = join(stateDir, "runtime.sqlite");
    try {
      this.db = new Database(file, { timeout: 5000 });
      // The writer thread commits ~50 calls at a time (100 ms at 500 calls/s): 4 KiB pages write such a batch to the
      // WAL in a quarter of the frames of 1 KiB ones, a commit ~25% faster (issue 19, Session 17). Set before the
      // database exists; an existing one keeps its size (state dirs made before this change: 1 KiB).
      this.db.pragma("page_size = 4096");
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("wal_autocheckpoint = 0"); // the writer thread does it, off the request path
      this.db.exec(SCHEMA);
      ({ journal: this.journal, left: this.left } = CallJournal.open(join(stateDir, JOURNAL_FILE)));
    } catch (err) {
      this.lock.close();
      throw err;
    }
    this.writer = new LedgerWriter(file, { insertSettled: INSERT_SETTLED, enqueue: ENQUEUE }, { checkpointMs: CHECKPOINT_DELAY_MS, retryMs: RETRY_MS }, {
      committed: (seq) => this.committed(seq),
      error: (message) => this.onFlushError(message),
      gone: (lastCommitted, message) => this.writerGone(lastCommitted, message),
    });
    this.stmts = {
      settlePending: this.db.prepare(
        `UPDATE ledger SET state = 'settled', cost_micros = reserved_micros WHERE id = ? AND state = 'pending'`,
      ),
      insertSettled: this.db.prepare(INSERT_SETTLED),
      enqueue: this.db.prepare(ENQUEUE),
      pending: this.db.prepare("SELECT * FROM ledger WHERE state = 'pending'"),
      lastId: this.db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM ledger"),
      eventIdsAfter: this.db.prepare("SELECT event_id FROM ledger WHERE id > ?").pluck(),
      newestEventIds: this.db.prepare("SELECT event_id FROM ledger ORDER BY id DESC LIMIT ?").pluck(),
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
    this.flushTx = this.db.transaction((batch: Settlement[]) => {
      for (const { row, usage } of batch) {
        this.stmts.insertSettled.run(settledParams(row));
        if (usage) this.stmts.enqueue.run(row.event_id, row.token_id, row.cost_micros, eventPayload(row, usage));
      }
    });
    this.ackTx = this.db.transaction((seqs: number[]) => {
      for (const seq of seqs) this.stmts.ack.run(seq);
    });
  }

  /**
   * Settles what the last process left unfinished, once, before any call: settlements its journal holds that the
   * ledger had not taken, and calls that went upstream and never settled — charged their reservation (the provider may
   * have billed them), with an estimated telemetry event when `queueTelemetry`.
   */
  recover(queueTelemetry: boolean): Recovery {
    const left = this.left;
    this.left = undefined;
    const recovery: Recovery = { interrupted: [], settled: 0, skippedLines: left?.skipped ?? 0 };
    const legacy = this.stmts.pending.all() as LedgerRow[];
    this.db.transaction(() => {
      for (const row of legacy) {
        this.stmts.settlePending.run(row.id);
        if (queueTelemetry) this.stmts.enqueue.run(row.event_id, row.token_id, row.reserved_micros, eventPayload({ ...row, cost_micros: row.reserved_micros }, "estimated"));
        recovery.interrupted.push(row);
      }
    })();
    if (left) {
      const inLedger = new Set(this.stmts.eventIdsAfter.all(left.after) as string[]);
      const settledIds = new Set<string>(inLedger);
      const batch: Settlement[] = [];
      for (const fields of left.settlements) {
        const settlement = settlementFromFields(fields);
        if (!settlement) {
          recovery.skippedLines += 1;
          continue;
        }
        if (settledIds.has(settlement.row.event_id)) continue;
        settledIds.add(settlement.row.event_id);
        batch.push(settlement);
        recovery.settled += 1;
      }
      for (const r of left.reservations) {
        if (settledIds.has(r.event_id)) continue;
        settledIds.add(r.event_id);
        const row: SettledCall = {
          ...r, type: "llm_call", cost_micros: r.reserved_micros, input_tokens: 0, cached_input_tokens: 0, cache_write_input_tokens: 0,
          output_tokens: 0, latency_ms: 0, http_status: 0,
        };
        batch.push({ row, usage: queueTelemetry ? "estimated" : undefined });
        recovery.interrupted.push(r);
      }
      this.flushTx(batch);
    }
    this.journal.startOver(this.lastLedgerId(), []);
    return recovery;
  }

  /** Records a call about to go upstream (its reservation), before it leaves; give what it returns to `settle`. */
  reserve(r: JournalReservation): OpenReservation {
    this.journal.reserve(r);
    const held: OpenReservation = { reservation: r, open: true };
    this.reservations.push(held);
    return held;
  }

  /**
   * Records a call's outcome before its answer goes back: in the journal at once, in the ledger (with its telemetry
   * event when `usage` says how it was priced) within FLUSH_INTERVAL_MS, both in one transaction of the writer thread.
   */
  settle(row: SettledCall, usage: UsageSource | undefined, held?: OpenReservation): void {
    const items = settlementItems(row, usage);
    this.journal.settle(items);
    if (held?.open) {
      held.open = false;
      this.settledReservations += 1;
    }
    this.batch.push({ row, usage, items });
    // A flush that fails here (a full disk) must not fail the call: it is in the journal, and the timer retries.
    if (this.batch.length >= FLUSH_AT_ROWS && !this.flushFailing) this.flushOrRetry();
    else this.flushTimer ??= setTimeout(() => this.flushOrRetry(), FLUSH_INTERVAL_MS).unref();
  }

  /**
   * Hands the journal's settled calls to the ledger and waits until it has them (reads of the ledger and the queue
   * call it first). Throws when the ledger cannot take them; the journal keeps them.
   */
  flush(): void {
    this.cancelScheduledFlush();
    this.handOver();
    const last = this.posted.at(-1);
    if (!last || !this.writer) return;
    // Throws (a LedgerWriteError) when the batch fails or the thread does not answer; the batches stay with it.
    this.writer.waitFor(last.seq, READ_WAIT_MS);
    this.committed(last.seq);
  }

  /** Hands the batch to the writer thread, or writes it on this thread when there is none. */
  private handOver(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    if (!this.writer) {
      this.flushTx(batch);
      this.batch = [];
      this.tidyJournal();
      return;
    }
    this.posted.push({ seq: this.writer.post(settledBatch(batch)), batch });
    this.batch = [];
  }

  /** The writer committed every batch up to `seq`. */
  private committed(seq: number): void {
    let done = 0;
    while (done < this.posted.length && this.posted[done]!.seq <= seq) done += 1;
    if (done > 0) this.posted = this.posted.slice(done);
    this.tidyJournal();
  }

  /** Once the ledger has every settled call, drops the settled reservations and starts the journal over when it is large. */
  private tidyJournal(): void {
    if (this.batch.length > 0 || this.posted.length > 0 || this.closing) return;
    if (this.settledReservations > 0) {
      this.reservations = this.reservations.filter((held) => held.open);
      this.settledReservations = 0;
    }
    if (this.journal.bytes >= JOURNAL_START_OVER_BYTES) {
      try {
        this.journal.startOver(this.lastLedgerId(), this.openReservations());
      } catch (err) {
        // The ledger has the calls; the journal keeps them too until a later flush can start it over.
        this.onFlushError(`cannot start the call journal over: ${(err as Error).message}`);
      }
    }
  }

  /**
   * The writer thread is gone: what it had not committed is written here, and every batch after it. A thread ended
   * between a commit and its store of the batch number leaves that batch in the ledger: the newest rows are the only
   * ones it can have written, and a settlement found there is not written again (its telemetry event was in the same
   * transaction).
   */
  private writerGone(lastCommitted: number, message: string): void {
    if (!this.writer) return;
    this.writer = undefined;
    this.onFlushError(`${message}; the ledger is written on the main thread from now on`);
    if (!this.db.open) return;
    this.db.pragma("wal_autocheckpoint = 1000");
    const left = this.posted.filter((p) => p.seq > lastCommitted).flatMap((p) => p.batch);
    this.posted = [];
    const written = new Set(this.stmts.newestEventIds.all(left.length) as string[]);
    this.batch = left.filter((s) => !written.has(s.row.event_id)).concat(this.batch);
    if (this.batch.length > 0) this.flushOrRetry();
    else this.tidyJournal();
  }

  /** Ends the writer thread as a crash of that thread would, wherever it is (for tests). */
  async endWriterThread(): Promise<void> {
    await this.writer?.terminate();
  }

  totals(tokenId: string): { spent: number; calls: number } {
    this.flush();
    return this.stmts.spent.get(tokenId) as { spent: number; calls: number };
  }

  /** The oldest queued events of `tokenId`. */
  peekQueue(tokenId: string, limit: number): { seq: number; event_id: string; payload: string }[] {
    this.flush();
    return this.stmts.peek.all(tokenId, limit) as { seq: number; event_id: string; payload: string }[];
  }

  queueSize(tokenId: string): { count: number; cost_micros: number; other_tokens: number } {
    this.flush();
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
    this.flush();
    return this.stmts.ledger.all(tokenId) as LedgerRow[];
  }

  async close(): Promise<void> {
    try {
      if (this.db.open) {
        this.flush();
        if (this.reservations.length === this.settledReservations) this.journal.startOver(this.lastLedgerId(), []);
      }
    } finally {
      this.closing = true;
      if (this.db.open) await this.journal.close();
      this.cancelScheduledFlush();
      await this.writer?.stop();
      if (this.db.open) this.db.close();
      if (this.lock.open) this.lock.close();
    }
  }

  private cancelScheduledFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Hands the batch over from the timer (or at FLUSH_AT_ROWS); a write on this thread that fails is tried again later. */
  private flushOrRetry(): void {
    this.cancelScheduledFlush();
    try {
      this.handOver();
      this.flushFailing = false;
    } catch (err) {
      // The calls stay in the journal (and in the batch): nothing is lost, the next attempt takes them.
      this.flushFailing = true;
      this.onFlushError((err as Error).message);
      this.flushTimer = setTimeout(() => this.flushOrRetry(), RETRY_MS).unref();
    }
  }

  private *openReservations(): Iterable<JournalReservation> {
    for (const held of this.reservations) if (held.open) yield held.reservation;
  }

  private lastLedgerId(): number {
    return (this.stmts.lastId.get() as { id: number }).id;
  }
}

/** A reservation in the journal, as `Store.reserve` hands it back: open until its call settles. */
export interface OpenReservation {
  readonly reservation: JournalReservation;
  open: boolean;
}

interface Settlement {
  row: SettledCall;
  usage: UsageSource | undefined;
  /** Its journal line's items, when it was written to the journal (see settlementItems). */
  items?: string;
}
