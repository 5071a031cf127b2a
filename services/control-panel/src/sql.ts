/** Numbered query parameters: `p.add(value)` appends the value and returns its placeholder (`$3`). */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    return `$${this.values.push(value)}`;
  }
}

export const whereClause = (conditions: string[]): string => (conditions.length ? `WHERE ${conditions.join(" AND ")}` : "");

/** A keyset page: `rows` were fetched with LIMIT `limit + 1`, so one extra row means there is a next page. */
export function page<R, V>(rows: R[], limit: number, view: (row: R) => V, cursorOf: (last: R) => string): { items: V[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}
