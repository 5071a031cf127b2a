import { close, closeSync, existsSync, fstatSync, ftruncate, ftruncateSync, open, openSync, readFileSync, renameSync, rmSync, write, writeSync } from "node:fs";
import { promisify } from "node:util";
import mmapPackage from "@riaskov/mmap-io";

// The package's types declare an ES default export; at run time its module.exports is the API itself.
const mmap = mmapPackage as unknown as typeof mmapPackage.default;

/**
 * The call journal, `<stateDir>/calls.journal`: one line per reservation (written before the call goes upstream) and one
 * per settlement (written before the answer goes back), copied into the file's shared memory mapping and never fsynced —
 * the same durability as the ledger's SQLite commits (WAL, synchronous=NORMAL): a killed process loses nothing, a power
 * loss may lose the last lines. The ledger takes the settlements in batches (Store.flush); the journal keeps every call
 * until the ledger has it, so a reservation is never unaccounted and a settled call never lost, at one memory copy per
 * step instead of one SQLite transaction.
 *
 * Lines are JSON arrays: `["h", 1, <ledger id the journal starts after>]` first, then `["r", …reservation]` and
 * `["s", …settlement]`, then zero bytes to the end of the file. A line that does not parse (one cut short by a kill
 * mid-copy or a power loss) is skipped.
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

/** The journal file's size when it starts. */
const INITIAL_CAPACITY = 1024 * 1024;
/**
 * What a reservation leaves free after it, for the settlements of the calls in flight: the file grows (or, on a full
 * disk, the reservation fails and its call is not forwarded) before a settlement could find no room — the journal
 * refuses calls before they go upstream, not after they were answered (~800 calls in flight at once fit in it).
 */
const SETTLEMENT_ROOM = 256 * 1024;

/**
 * Why a mapping: a line copied into a MAP_SHARED mapping is in the page cache, which the kernel writes back as it
 * does write(2)'s pages, so a killed process loses nothing it copied — and the copy costs a tenth of a write(2) on the
 * call path (issue 19: the two writes were 0.09× of a bare forwarder's CPU per call). The file is sized ahead and
 * grows by doubling when a line would not fit.
 */
export class CallJournal {
  private fd: number;
  private map: Buffer;
  /** Where the next line goes: the end of what the file holds. */
  private end: number;
  /** Bytes appended since the journal was last started over. */
  bytes = 0;
  /** The next journal file, zeros to the initial capacity, once makeSpare has made it. */
  private spare: number | undefined;
  private spareMaking: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly path: string, fd: number, end: number) {
    this.fd = fd;
    this.end = end;
    this.map = mapped(fd, capacityFor(end));
    this.makeSpare();
  }

  /** Reads what an earlier process left (nothing for a new state dir) and opens the journal for appending. */
  static open(path: string): { journal: CallJournal; left: JournalContents | undefined } {
    if (!existsSync(path)) return { journal: new CallJournal(path, openSync(path, "w+", 0o600), 0), left: undefined };
    const bytes = readFileSync(path);
    const end = contentEnd(bytes);
    return { journal: new CallJournal(path, openSync(path, "r+", 0o600), end), left: parse(bytes.toString("utf8", 0, end)) };
  }

  reserve(r: JournalReservation): void {
    this.append(reservationLine(r), SETTLEMENT_ROOM);
  }

  /** Appends a settlement line; `items` is the JSON text of its fields, comma-separated (see Store). */
  settle(items: string): void {
    this.append(`["s",${items}]`, 0);
  }

  /**
   * Starts the journal over once the ledger holds everything in it: a new file with the reservations still open, put
   * in place by rename (a crash leaves the old journal or the new one, never neither). The new file is the spare made
   * ahead (see makeSpare) when it is ready, so the main thread writes only the new file's lines and renames it; the
   * old file is emptied and closed by the thread pool.
   */
  startOver(after: number, open: Iterable<JournalReservation>): void {
    let text = `${JSON.stringify(["h", FORMAT, after])}\n`;
    for (const r of open) text += `${reservationLine(r)}\n`;
    const spare = this.spare;
    this.spare = undefined;
    const tmp = spare ? spareFile(this.path) : `${this.path}.tmp`;
    const fd = spare ?? openSync(tmp, "w+", 0o600);
    let written: number;
    let map: Buffer;
    try {
      written = writeSync(fd, text, 0);
      map = mapped(fd, capacityFor(written));
      renameSync(tmp, this.path);
    } catch (err) {
      closeSync(fd);
      this.makeSpare();
      throw err;
    }
    // The old file is gone from the directory, but its mapping lasts until the garbage collector takes the Buffer:
    // emptied now, it holds no page cache and no disk until then (its Buffer is never touched again).
    const old = this.fd;
    ftruncate(old, 0, () => close(old, () => undefined));
    this.fd = fd;
    this.map = map;
    this.end = written;
    this.bytes = 0;
    this.makeSpare();
  }

  /** Closes the journal, once the spare in the making (if any) is made, and removes the spare. */
  async close(): Promise<void> {
    this.closed = true;
    closeSync(this.fd);
    await this.spareMaking;
    if (this.spare !== undefined) {
      closeSync(this.spare);
      this.spare = undefined;
      rmSync(spareFile(this.path), { force: true });
    }
  }

  /**
   * Makes the next journal file ahead, on the thread pool: created and filled with zeros to the initial capacity
   * (the zeros are what startOver would otherwise write on the main thread: ~1 MiB, milliseconds that every call
   * arriving meanwhile waited for). When it cannot be made (a full disk), startOver makes its file itself.
   */
  private makeSpare(): void {
    if (this.spareMaking || this.closed) return;
    this.spareMaking = this.madeSpare(spareFile(this.path)).finally(() => (this.spareMaking = undefined));
  }

  private async madeSpare(path: string): Promise<void> {
    let fd: number | undefined;
    try {
      fd = await openAsync(path, "w+", 0o600);
      for (let at = 0; at < INITIAL_CAPACITY && !this.closed; at += ZEROS.length) await writeAsync(fd, ZEROS, 0, ZEROS.length, at);
      this.spare = fd;
    } catch {
      if (fd !== undefined) closeSync(fd);
      rmSync(path, { force: true });
    }
  }

  /** Appends a line, leaving `room` bytes free after it (or growing the file to). */
  private append(line: string, room: number): void {
    const text = `${line}\n`;
    // A UTF-16 unit takes at most 3 bytes in UTF-8: the exact length is only counted near the end of the mapping.
    if (this.end + text.length * 3 + room > this.map.length) {
      const needed = this.end + Buffer.byteLength(text) + room;
      if (needed > this.map.length) this.map = mapped(this.fd, capacityFor(needed));
    }
    const n = this.map.write(text, this.end);
    this.end += n;
    this.bytes += n;
  }
}

/** The file `fd` sized to `capacity` bytes (the added tail reads as zeros) and mapped for reading and writing. */
function mapped(fd: number, capacity: number): Buffer {
  const size = fstatSync(fd).size;
  if (size > capacity) ftruncateSync(fd, capacity);
  // Zeros written, not a sparse ftruncate: a copy into a page with no disk block behind it would have to allocate one,
  // and on a full disk the kernel answers that with SIGBUS, which kills the process. Written, the blocks are there
  // and a full disk is an ENOSPC thrown here, which the runtime answers as an error (state_unwritable).
  try {
    for (let at = size; at < capacity; at += ZEROS.length) writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, capacity - at), at);
  } catch (err) {
    ftruncateSync(fd, size); // what a failed growth took is given back to the disk
    throw err;
  }
  return mmap.map(capacity, 3 /* PROT_READ | PROT_WRITE */, mmap.MAP_SHARED, fd);
}

const ZEROS = Buffer.alloc(64 * 1024);
const openAsync = promisify(open);
const writeAsync = promisify(write);

/** Where makeSpare makes the next journal file (an older one, left by a process that died, is made over). */
const spareFile = (journal: string) => `${journal}.next`;

/** The smallest power-of-two multiple of the initial capacity that holds `bytes`. */
function capacityFor(bytes: number): number {
  let capacity = INITIAL_CAPACITY;
  while (capacity < bytes) capacity *= 2;
  return capacity;
}

/** Where a journal's lines end: after its last byte that is not zero (a mapped journal's unwritten tail). */
function contentEnd(bytes: Buffer): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
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
