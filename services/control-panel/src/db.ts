import pg from "pg";

const INT8_OID = 20;

/** BIGINT columns (money, counts) come back as JavaScript numbers, refusing values outside the safe integer range. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT value ${value} is outside JavaScript's safe integer range`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== "binary" ? parseInt8 : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  /** Called for errors of idle clients (e.g. PostgreSQL restarted); without a listener they would crash the process. */
  onIdleError?: (err: Error) => void;
}

/** A pg pool that fails fast while PostgreSQL is down instead of queueing requests forever. */
export function createPool(databaseUrl: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 30_000,
    application_name: "iron-control-panel",
  });
  pool.on("error", (err) => options.onIdleError?.(err));
  return pool;
}

/** A single client with the same type parsing (LISTEN connections, migrations). */
export function createClient(databaseUrl: string): pg.Client {
  return new pg.Client({ connectionString: databaseUrl, types, application_name: "iron-control-panel" });
}

/** Runs `fn` in a transaction on one pooled client. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** SQLSTATE classes that mean "PostgreSQL is not reachable right now" rather than "your request is wrong". */
export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (/^(08|53|57P)/.test(code)) return true; // connection exception, insufficient resources, operator intervention
    if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"].includes(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(err.message);
}
