/**
 * The Store's journal across a start-over and a restart (issue 19: open reservations are a flag per call, not a Map;
 * lines are copied into a memory mapping of the file, which is sized ahead and grows).
 */
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store, type SettledCall } from "../../../services/agent-runtime/src/state/store.js";
import { JOURNAL_FILE, type JournalReservation } from "../../../services/agent-runtime/src/state/journal.js";

function reservation(eventId: string): JournalReservation {
  return { event_id: eventId, token_id: "tok-1", ts: "2026-12-01T10:00:00.000Z", provider: "openai", endpoint: "chat.completions", model: "gpt-4o-mini", reserved_micros: 1000 };
}

function settled(r: JournalReservation, cost: number): SettledCall {
  return { ...r, type: "llm_call", cost_micros: cost, input_tokens: 10, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 5, latency_ms: 1, http_status: 200 };
}

describe("the call journal started over while calls are open", () => {
  it("keeps the open reservations and drops the settled ones: after a restart every call is charged once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iron-store-journal-"));
    const store = new Store(dir);
    store.recover(false);
    store.reserve(reservation("open-before"));
    // Enough calls for the journal to pass its start-over size (256 KiB) at one of the batch flushes, and again after.
    for (let i = 0; i < 2500; i++) {
      const r = reservation(`call-${i}`);
      const held = store.reserve(r);
      if (i === 1234) continue; // left open mid-way, like a long stream
      store.settle(settled(r, 7), undefined, held);
    }
    store.flush();
    await store.close(); // two calls still open: the journal keeps their reservations, as after a crash

    const again = new Store(dir);
    const recovery = again.recover(false);
    expect(recovery.interrupted.map((r) => r.event_id).sort()).toEqual(["call-1234", "open-before"]);
    expect(again.totals("tok-1")).toEqual({ spent: 2499 * 7 + 2 * 1000, calls: 2501 });
    await again.close();
  });
});

describe("the mapped journal", () => {
  it("grows past its first size when calls stay open, and a restart charges every one of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iron-store-journal-"));
    const store = new Store(dir);
    store.recover(false);
    // ~130 bytes a reservation: 12,000 open calls need more than the file's first 1 MiB, and no start-over can drop them.
    for (let i = 0; i < 12000; i++) store.reserve({ ...reservation(`open-${i}`), model: i % 2 ? "gpt-4o-mini" : "modèle-ü" });
    store.flush();
    expect(statSync(join(dir, JOURNAL_FILE)).size).toBeGreaterThan(1024 * 1024);
    await store.close();

    const again = new Store(dir);
    const recovery = again.recover(false);
    expect(recovery.interrupted).toHaveLength(12000);
    expect(recovery.interrupted.at(-1)).toMatchObject({ event_id: "open-11999", model: "gpt-4o-mini" });
    expect(recovery.interrupted.at(-2)).toMatchObject({ event_id: "open-11998", model: "modèle-ü" });
    expect(again.totals("tok-1")).toEqual({ spent: 12000 * 1000, calls: 12000 });
    await again.close();
  });
});
