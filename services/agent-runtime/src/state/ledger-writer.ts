import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Writes the ledger from a worker thread, and checkpoints its write-ahead log there (issue 19: the inserts of a batch
 * and a checkpoint's fsync held the main thread, and every call arriving meanwhile waited for them). The thread owns a
 * connection of its own; the main thread posts it batches of settled calls as text — the calls' journal lines, which it
 * has already built (one string is a copy to hand over; parameter arrays were a structured clone of every field, ~2 µs a
 * call on the main thread) — and each batch is one transaction. After each commit the thread stores the batch's number in shared memory and posts
 * it: a read on the main thread waits there (Atomics.wait) until the batches it must see are committed, and SQLite's
 * WAL makes them visible to the main connection's next read. A batch that fails (a full disk) is kept and tried again
 * every `retryMs` (or at once when a read asks), with the batches after it, in order. Shared memory: [0] the last
 * batch committed, [1] how many writes have failed, [2] 1 while a batch is failing.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 0");
const insertSettled = db.prepare(workerData.insertSettled);
const enqueue = db.prepare(workerData.enqueue);
const shared = new BigInt64Array(workerData.shared);
// A line's fields (see LedgerWriter.post): the ledger row's parameters in the insert's order, then the telemetry flag.
const write = db.transaction(({ lines, payloads }) => {
  let next = 0;
  for (const line of lines.split("\\n")) {
    const fields = JSON.parse("[" + line + "]");
    const flag = fields.pop();
    insertSettled.run(fields);
    if (flag !== 0) enqueue.run(fields[0], fields[1], fields[8], payloads[next++]);
  }
});
const waiting = [];
let retry;
const drain = () => {
  retry = undefined;
  while (waiting.length > 0) {
    const { seq, batch } = waiting[0];
    try { write(batch); } catch (err) {
      Atomics.store(shared, 2, 1n);
      Atomics.add(shared, 1, 1n);
      Atomics.notify(shared, 0);
      parentPort.postMessage({ error: String((err && err.message) || err) });
      retry = setTimeout(drain, workerData.retryMs);
      return;
    }
    waiting.shift();
    Atomics.store(shared, 2, 0n);
    Atomics.store(shared, 0, BigInt(seq));
    Atomics.notify(shared, 0);
    parentPort.postMessage({ committed: seq });
    scheduleCheckpoint();
  }
};
const checkpoint = () => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch (err) { parentPort.postMessage({ warning: "checkpoint: " + String((err && err.message) || err) }); }
};
// A checkpoint only after something was committed (and once at start, for the schema the main connection wrote): an
// idle runtime's thread sleeps. The main connection's own few writes (telemetry acks) wait for the next one.
let checkpointDue;
function scheduleCheckpoint() {
  checkpointDue ??= setTimeout(() => { checkpointDue = undefined; checkpoint(); }, workerData.checkpointMs);
}
scheduleCheckpoint();
parentPort.on("message", (m) => {
  if (m === "retry") {
    if (retry) { clearTimeout(retry); drain(); }
    return;
  }
  if (m !== "stop") {
    waiting.push(m);
    if (!retry) drain();
    return;
  }
  clearTimeout(checkpointDue);
  if (retry) clearTimeout(retry);
  drain();
  checkpoint();
  db.close();
  process.exit(waiting.length > 0 ? 1 : 0);
});
`;

/**
 * What the thread writes: `insertSettled` takes a settlement line's first 15 fields as its parameters, in order;
 * `enqueue` takes (event_id, token_id, cost_micros, payload) — fields 0, 1 and 8 of a line and its event's JSON.
 */
export interface LedgerStatements {
  insertSettled: string;
  enqueue: string;
}

/**
 * A batch of settled calls: `lines`, their journal items joined by newlines (each line, in brackets, a JSON array of
 * the ledger row's 15 fields and a last one, the telemetry flag: 0 for none); `payloads`, the telemetry events' JSON of
 * the flagged lines, in their order.
 */
export interface SettledBatch {
  lines: string;
  payloads: string[];
}

/** What the main thread hears from the writer. */
export interface LedgerWriterEvents {
  committed: (seq: number) => void;
  /** A batch failed (it is tried again) or a checkpoint did. */
  error: (message: string) => void;
  /** The thread is gone (it can no longer commit anything): batches after `lastCommitted` were not written. */
  gone: (lastCommitted: number, message: string) => void;
}

/** Why a read cannot wait for the writer: the batch it needs is failing, or the thread does not answer. */
export class LedgerWriteError extends Error {}

export class LedgerWriter {
  private readonly worker: Worker;
  private readonly shared = new BigInt64Array(new SharedArrayBuffer(24));
  private readonly exited: Promise<void>;
  private posted = 0;
  private stopping = false;
  private alive = true;

  constructor(file: string, statements: LedgerStatements, options: { checkpointMs: number; retryMs: number }, events: LedgerWriterEvents) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, ...statements, driver, shared: this.shared.buffer, ...options },
    });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.on("message", (m: { committed?: number; error?: string; warning?: string }) => {
      if (m.committed !== undefined) events.committed(m.committed);
      else if (m.error !== undefined) events.error(m.error);
      else if (m.warning !== undefined) events.error(m.warning);
    });
    let why = "";
    this.worker.on("error", (err) => (why = err.message));
    this.worker.on("exit", (code) => {
      this.alive = false;
      if (!this.stopping) events.gone(this.committed, `the ledger writer thread exited (${why || `code ${code}`})`);
    });
  }

  /** The number of the last batch committed. */
  get committed(): number {
    return Number(Atomics.load(this.shared, 0));
  }

  /** Hands a batch to the thread; returns its number (batches commit in this order). */
  post(batch: SettledBatch): number {
    this.posted += 1;
    this.worker.postMessage({ seq: this.posted, batch });
    return this.posted;
  }

  /**
   * Blocks until batch `seq` is committed; a failing batch is tried again at once. Throws LedgerWriteError when that
   * try fails too, or the thread has not committed it within `timeoutMs` (the batches stay with the thread: the caller
   * must not write them itself).
   */
  waitFor(seq: number, timeoutMs: number): void {
    const deadline = Date.now() + timeoutMs;
    let failuresBefore: bigint | undefined;
    for (;;) {
      const committed = Atomics.load(this.shared, 0);
      if (Number(committed) >= seq) return;
      if (Atomics.load(this.shared, 2) !== 0n) {
        const failures = Atomics.load(this.shared, 1);
        if (failuresBefore === undefined) {
          failuresBefore = failures;
          this.worker.postMessage("retry");
        } else if (failures > failuresBefore) {
          throw new LedgerWriteError("the ledger cannot be written (see the error logged); the calls are kept in the call journal and written when it can");
        }
      }
      if (Date.now() >= deadline) throw new LedgerWriteError(`the ledger writer thread has not answered in ${timeoutMs} ms; the calls are kept in the call journal`);
      Atomics.wait(this.shared, 0, committed, 50);
    }
  }

  /** Ends the thread wherever it is, as a crash would. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  /** Commits what was posted, runs a last checkpoint and ends the thread. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.alive) {
      this.worker.ref(); // keep the process alive until the last commit and checkpoint are done
      this.worker.postMessage("stop");
    }
    await this.exited;
  }
}
