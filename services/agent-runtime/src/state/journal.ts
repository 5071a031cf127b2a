import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

/**
 * The call journal, `<stateDir>/calls.journal`: one line per reservation (written before the call goes upstream) and one
 * per settlement (written before the answer goes back), appended with a single write(2) each and no fsync — the same
 * durability as the ledger's SQLite commits (WAL, synchronous=NORMAL): a killed process loses nothing, a power loss may
 * lose the last writes. The ledger takes the settlements in batches (Store.flush); the journal keeps every call until
 * the ledger has it, so a reservation is never unaccounted and a settled call never lost, at one write per step
 * instead of one SQLite transaction.
 *
 * Lines are JSON arrays: `["h", 1, <ledger id the journal starts after>]` first, then `["r", …reservation]` and
 * `["s", …settlement]`. A line that does not parse (the tail of a write cut by a power loss) is skipped.
 */
export const JOURNAL_FILE = "calls.journal";

const FORMAT = 1;

/** What a call's reservation line records: enough to charge it if it never settles. */
export interface JournalReservation {
  event_id: string;
  token_id: string;
  ts: string;
  provider: string;
  endpoint: string;
  model: string;
  reserved_micros: number;
}

export interface JournalContents {
  /** Ledger rows with an id above this were written after the journal started. */
  after: number;
  reservations: JournalReservation[];
  /** Settlement lines as written (see Store for their fields). */
  settlements: unknown[][];
  /** Lines that did not parse. */
  skipped: number;
}

export class CallJournal {
  private fd: number;
  /** Bytes appended since the journal was last started over. */
  bytes = 0;

  private constructor(private readonly path: string, fd: number) {
    this.fd = fd;
  }

  /** Reads what an earlier process left (nothing for a new state dir) and opens the journal for appending. */
  static open(path: string): { journal: CallJournal; left: JournalContents | undefined } {
    const left = existsSync(path) ? parse(readFileSync(path, "utf8")) : undefined;
    return { journal: new CallJournal(path, openSync(path, "a", 0o600)), left };
  }

  reserve(r: JournalReservation): void {
    this.append(reservationLine(r));
  }

  /** Appends a settlement line; `items` is the JSON text of its fields, comma-separated (see Store). */
  settle(items: string): void {
    this.append(`["s",${items}]`);
  }

  /**
   * Starts the journal over once the ledger holds everything in it: a new file with the reservations still open, put
   * in place by rename (a crash leaves the old journal or the new one, never neither).
   */
  startOver(after: number, open: Iterable<JournalReservation>): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      let text = `${JSON.stringify(["h", FORMAT, after])}\n`;
      for (const r of open) text += `${reservationLine(r)}\n`;
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, "a", 0o600);
    this.bytes = 0;
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(line: string): void {
    const text = `${line}\n`;
    writeSync(this.fd, text);
    this.bytes += text.length;
  }
}

function reservationLine(r: JournalReservation): string {
  return `["r",${jsonString(r.event_id)},${jsonString(r.token_id)},${jsonString(r.ts)},${jsonString(r.provider)},${jsonString(r.endpoint)},${jsonString(r.model)},${r.reserved_micros}]`;
}

/**
 * JSON.stringify of a string, without the call for the ones (ids, timestamps, names) it would not escape: no quote,
 * backslash, control character or surrogate. A loop, not a RegExp: on the call path the RegExp ran in V8's runtime.
 */
export function jsonString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

function parse(text: string): JournalContents {
  const contents: JournalContents = { after: 0, reservations: [], settlements: [], skipped: 0 };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      contents.skipped += 1;
      continue;
    }
    if (!Array.isArray(entry)) {
      contents.skipped += 1;
    } else if (entry[0] === "h" && typeof entry[2] === "number") {
      contents.after = entry[2];
    } else if (entry[0] === "r" && entry.length === 8 && typeof entry[1] === "string" && typeof entry[7] === "number") {
      const [, event_id, token_id, ts, provider, endpoint, model, reserved_micros] = entry as [string, string, string, string, string, string, string, number];
      contents.reservations.push({ event_id, token_id, ts, provider, endpoint, model, reserved_micros });
    } else if (entry[0] === "s") {
      contents.settlements.push(entry.slice(1));
    } else {
      contents.skipped += 1;
    }
  }
  return contents;
}
