/**
 * What the Store does between calls rather than inside one (issue 19: work that held the main thread delayed every
 * call that arrived meanwhile): a worker thread writes the ledger, and the journal starts over into a spare file made
 * ahead on the thread pool.
 */
import Database from "better-sqlite3";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { Store, type SettledCall } from "../../../services/agent-runtime/src/state/store.js";
import { JOURNAL_FILE, type JournalReservation } from "../../../services/agent-runtime/src/state/journal.js";
import { telemetryEvent } from "../../../services/agent-runtime/src/state/telemetry-event.js";

function reservation(eventId: string): JournalReservation {
  return { event_id: eventId, token_id: "tok-1", ts: "2026-12-02T10:00:00.000Z", provider: "openai", endpoint: "chat.completions", model: "gpt-4o-mini", reserved_micros: 1000 };
}

function settled(r: JournalReservation, cost: number): SettledCall {
  return { ...r, type: "llm_call", cost_micros: cost, input_tokens: 10, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 5, latency_ms: 1, http_status: 200 };
}

/** The ledger as another process would read it: no flush is asked for. */
function ledgerRows(dir: string, table = "ledger"): number {
  const db = new Database(join(dir, "runtime.sqlite"), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await sleep(25);
  expect(ok(), what).toBe(true);
}

describe("the Store off the call path", () => {
  it("the writer thread takes every settled call to the ledger after the flush interval, with no read asking for it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iron-store-offpath-"));
    const store = new Store(dir);
    store.recover(false);
    for (let i = 0; i < 47; i++) {
      const r = reservation(`call-${i}`);
      store.settle(settled(r, 3), undefined, store.reserve(r));
    }
    expect(ledgerRows(dir)).toBe(0); // the ledger takes them after the flush interval, not in the call
    await until("all 47 calls in the ledger", () => ledgerRows(dir) === 47);
    expect(store.totals("tok-1")).toEqual({ spent: 47 * 3, calls: 47 });
    await store.close();
  });

  it("the writer thread writes each settled call's row as settled and queues its telemetry event only when asked, in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iron-store-offpath-"));
    const store = new Store(dir);
    store.recover(true);
    const usages = [undefined, "reported", "estimated"] as const;
    const calls: { row: SettledCall; usage: (typeof usages)[number] }[] = [];
    for (let i = 0; i < 30; i++) {
      // Names a journal line must escape (a quote, a backslash, a newline, a character outside the BMP) and ones it need not.
      const r = { ...reservation(i % 4 === 0 ? `call-${i} "quoted" \\ new\nline 𝄞` : `call-${i}`), model: i % 5 === 0 ? "ft:gpt-4o-mini:org::ab\"c" : "gpt-4o-mini" };
      const row = { ...settled(r, i * 7), input_tokens: i, output_tokens: 2 * i, cached_input_tokens: i % 3, cache_write_input_tokens: i % 2, latency_ms: i + 1, http_status: i % 7 === 0 ? 500 : 200 };
      const usage = usages[i % 3];
      store.settle(row, usage, store.reserve(r));
      calls.push({ row, usage });
    }
    await until("all 30 calls in the ledger", () => ledgerRows(dir) === 30);
    expect(store.ledger("tok-1").map(({ id: _id, ...row }) => row)).toEqual(calls.map(({ row }) => ({ ...row, state: "settled" })));
    const queued = calls.filter((c) => c.usage !== undefined);
    expect(store.peekQueue("tok-1", 100).map((q) => [q.event_id, JSON.parse(q.payload)])).toEqual(
      queued.map(({ row, usage }) => [row.event_id, telemetryEvent(row, usage!)]),
    );
    expect(store.queueSize("tok-1")).toEqual({ count: queued.length, cost_micros: queued.reduce((sum, c) => sum + c.row.cost_micros, 0), other_tokens: 0 });
    await store.close();
  });

  it("starts the journal over into the spare made ahead, keeps making the next, and removes it when closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iron-store-offpath-"));
    const journal = join(dir, JOURNAL_FILE);
    const spare = `${journal}.next`;
    const store = new Store(dir);
    store.recover(false);
    await until("the spare made", () => existsSync(spare) && statSync(spare).size === 1024 * 1024);
    const spareInode = statSync(spare).ino;
    store.reserve(reservation("open-throughout"));
    // Past the journal's start-over size (256 KiB) in flushes of whole turns of the event loop, as calls come.
    for (let turn = 0; turn < 30 && statSync(journal).ino !== spareInode; turn++) {
      for (let i = 0; i < 100; i++) {
        const r = reservation(`call-${turn}-${i}`);
        store.settle(settled(r, 7), undefined, store.reserve(r));
      }
      store.flush();
      await sleep(10);
    }
    expect(statSync(journal).ino, "the journal is the spare that was made ahead").toBe(spareInode);
    await until("the next spare made", () => existsSync(spare) && statSync(spare).ino !== spareInode);
    const calls = store.totals("tok-1").calls;
    await store.close();
    expect(existsSync(spare)).toBe(false);

    const again = new Store(dir);
    expect(again.recover(false).interrupted.map((r) => r.event_id)).toEqual(["open-throughout"]);
    expect(again.totals("tok-1")).toEqual({ spent: (calls) * 7 + 1000, calls: calls + 1 });
    await again.close();
  });

  it("when the writer thread ends mid-way, the main thread writes what it had not committed, each call once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iron-store-offpath-"));
    const errors: string[] = [];
    const store = new Store(dir, (message) => errors.push(message));
    store.recover(true);
    let calls = 0;
    const settleSome = (n: number) => {
      for (let i = 0; i < n; i++, calls++) {
        const r = reservation(`call-${calls}`);
        store.settle(settled(r, 3), "reported", store.reserve(r));
      }
    };
    settleSome(120);
    expect(store.totals("tok-1").calls).toBe(120);
    settleSome(1234); // two batches of 500 handed over at once, the rest waiting for the timer
    await store.endWriterThread(); // wherever the thread is in those two
    expect(errors.join("\n")).toMatch(/ledger writer thread exited.*written on the main thread from now on/);
    settleSome(30);
    await until("every call in the ledger, on the main thread's writes", () => ledgerRows(dir) === calls);
    expect(store.totals("tok-1")).toEqual({ spent: calls * 3, calls });
    expect(store.queueSize("tok-1").count).toBe(calls); // one telemetry event per call, none twice
    await store.close();

    const again = new Store(dir);
    expect(again.recover(true)).toMatchObject({ settled: 0, interrupted: [] });
    expect(again.totals("tok-1")).toEqual({ spent: calls * 3, calls });
    expect(ledgerRows(dir, "telemetry_queue")).toBe(calls);
    await again.close();
  });
});
