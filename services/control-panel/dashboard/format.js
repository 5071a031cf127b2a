// Money is integer micro-dollars on the wire; people read dollars.
// Whole cents show 2 decimals; anything finer shows up to the micro-dollar, so $9.99946 never reads as $10.00.
export function usd(micros) {
  const dollars = Number(micros) / 1e6;
  const digits = Number(micros) % 10_000 === 0 ? 2 : 6;
  return `$${dollars.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

/** "12.5" → 12500000, exactly (no floating point): at most 6 decimals. */
export function dollarsToMicros(text) {
  const m = /^\s*(\d+)(?:\.(\d{1,6}))?\s*$/.exec(text);
  if (!m) return undefined;
  const micros = Number(m[1]) * 1e6 + Number((m[2] ?? "").padEnd(6, "0"));
  return Number.isSafeInteger(micros) && micros > 0 ? micros : undefined;
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function time(iso) {
  return new Date(iso).toLocaleTimeString("en-GB");
}

/** An element with text content (never innerHTML: values come from the API). */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** Replaces a table body's rows with `rows` (arrays of cells), or with one row saying `empty` when there are none. */
export function fillRows(body, rows, empty, columns) {
  body.replaceChildren();
  if (rows.length === 0) {
    const td = el("td", empty, "muted");
    td.colSpan = columns;
    rows = [[td]];
  }
  for (const cells of rows) {
    const tr = document.createElement("tr");
    tr.append(...cells);
    body.append(tr);
  }
}
