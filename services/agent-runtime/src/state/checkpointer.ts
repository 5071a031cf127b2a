import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Copies the SQLite write-ahead log into the database from a worker thread.
 * A checkpoint fsyncs the database file, which on a busy disk can take tens to
 * hundreds of milliseconds: done on the main thread (SQLite's default
 * auto-checkpoint) it would stall every call in flight. The main connection
 * never checkpoints; this thread does, every `intervalMs`, with PASSIVE
 * checkpoints that never block the writer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 1000 });
const checkpoint = () => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  process.exit(0);
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopped = false;

  /** `onFailure` is called once if the thread fails; the caller then checkpoints on its own. */
  constructor(file: string, intervalMs: number, onFailure: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driver } });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    let failed = false;
    const fail = (message: string) => {
      if (failed || this.stopped) return;
      failed = true;
      onFailure(message);
    };
    this.worker.on("message", (m: { error?: string }) => m.error && fail(m.error));
    this.worker.on("error", (err) => fail(err.message));
    this.worker.on("exit", (code) => fail(`the checkpoint thread exited (${code})`));
  }

  /** Runs a last checkpoint and ends the thread. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.ref(); // keep the process alive until the last checkpoint is done
    this.worker.postMessage("stop");
    await this.exited;
  }
}
