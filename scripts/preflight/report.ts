import type { Check } from "./checks.js";
import { summarize } from "./checks.js";

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
const LABEL = { ok: paint(32, "ok  "), warn: paint(33, "warn"), fail: paint(31, "fail") } as const;

/** One line per check: status, what, found vs required; a remediation hint under each non-ok line. */
export function formatChecks(header: string, checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.title.length));
  const lines = [header];
  for (const c of checks) {
    lines.push(`${LABEL[c.status]}  ${c.title.padEnd(width)}  found ${c.found}; required ${c.required}`);
    if (c.hint && c.status !== "ok") lines.push(`      ${" ".repeat(width)}  → ${c.hint}`);
  }
  const s = summarize(checks);
  lines.push("", `${s.ok} ok, ${s.warn} warn, ${s.fail} fail`);
  return lines.join("\n");
}
