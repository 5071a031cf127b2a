import { microsToUsd } from "@iron/protocol";

/** `$100.00`, `$0.25`, `$0.000001`: micros as dollars for people, at least cents, never rounded. */
export function usd(micros: number): string {
  const [whole, fraction = ""] = microsToUsd(micros).split(".");
  return `$${whole}.${fraction.padEnd(2, "0")}`;
}

/** An ISO timestamp as `2026-01-31 12:00 UTC`, or `never` / `-` for null. */
export function when(iso: string | null, none = "-"): string {
  if (!iso) return none;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
