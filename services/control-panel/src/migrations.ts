import { createClient, type Pool } from "./db.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as an append-only list: never edit a released migration, add the next version.
 * Token rows are never deleted (revocation is a timestamp), so telemetry_events has no foreign key:
 * that keeps a per-row key check and row lock off the ingestion path.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "users, api keys, agent tokens, telemetry",
    sql: `
      CREATE TABLE users (
        id            uuid PRIMARY KEY,
        email         text NOT NULL,
        password_hash text NOT NULL,
        role          text NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        disabled_at   timestamptz
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE api_keys (
        id           uuid PRIMARY KEY,
        user_id      uuid NOT NULL REFERENCES users (id),
        name         text NOT NULL,
        key_hash     bytea NOT NULL UNIQUE,
        prefix       text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      );
      CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at);

      CREATE TABLE agent_tokens (
        id            uuid PRIMARY KEY,
        owner_id      uuid NOT NULL REFERENCES users (id),
        name          text,
        agent_id      text NOT NULL,
        budget_micros bigint NOT NULL CHECK (budget_micros > 0),
        spent_micros  bigint NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz,
        revoked_at    timestamptz,
        last_event_at timestamptz
      );
      CREATE INDEX agent_tokens_created_idx ON agent_tokens (created_at, id);
      CREATE INDEX agent_tokens_owner_idx ON agent_tokens (owner_id, created_at, id);
      CREATE INDEX agent_tokens_agent_idx ON agent_tokens (agent_id);

      CREATE TABLE telemetry_events (
        token_id      uuid NOT NULL,
        event_id      uuid NOT NULL,
        seq           bigint GENERATED ALWAYS AS IDENTITY,
        agent_id      text NOT NULL,
        ts            timestamptz NOT NULL,
        type          text NOT NULL,
        provider      text NOT NULL,
        model         text NOT NULL,
        input_tokens  bigint NOT NULL,
        output_tokens bigint NOT NULL,
        cost_micros   bigint NOT NULL,
        latency_ms    bigint NOT NULL,
        attrs         jsonb,
        received_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (token_id, event_id)
      );
      -- Ascending indexes: new rows land on the rightmost leaf (btree fast path); backward scans serve ORDER BY … DESC.
      CREATE INDEX telemetry_events_ts_idx ON telemetry_events (ts, seq);
      CREATE INDEX telemetry_events_agent_idx ON telemetry_events (agent_id, ts, seq);
    `,
  },
  {
    version: 2,
    name: "token idempotency keys",
    sql: `
      -- A client that retries POST /api/tokens after a lost answer sends the same Idempotency-Key: one token, not two.
      ALTER TABLE agent_tokens ADD COLUMN idempotency_key text;
      CREATE UNIQUE INDEX agent_tokens_idempotency_idx ON agent_tokens (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: "event stream replay",
    sql: `
      -- A dashboard that reconnects to GET /api/events sends Last-Event-ID (an event's seq): the stream replays what came after.
      CREATE INDEX telemetry_events_seq_idx ON telemetry_events (seq);
    `,
  },
  {
    version: 4,
    name: "money and token bounds",
    sql: `
      -- No stored amount may leave JavaScript's safe integer range (2^53 - 1): the API reads every BIGINT as a number.
      -- A spend past it could only come from forged telemetry (no budget can be that large); such a token is exhausted
      -- either way, so it is held at the bound rather than left unreadable.
      UPDATE agent_tokens SET spent_micros = 9007199254740991 WHERE spent_micros > 9007199254740991;
      ALTER TABLE agent_tokens
        ADD CONSTRAINT agent_tokens_budget_safe CHECK (budget_micros <= 9007199254740991),
        ADD CONSTRAINT agent_tokens_spent_safe CHECK (spent_micros <= 9007199254740991);
      -- The per-event bounds of the wire contract (services/protocol telemetry.ts). NOT VALID: enforced for every new row
      -- without scanning the rows already stored.
      ALTER TABLE telemetry_events
        ADD CONSTRAINT telemetry_events_bounds CHECK (
          input_tokens BETWEEN 0 AND 1000000000 AND output_tokens BETWEEN 0 AND 1000000000
          AND cost_micros BETWEEN 0 AND 1000000000000 AND latency_ms BETWEEN 0 AND 604800000
        ) NOT VALID;
    `,
  },
];

/** The schema version this code needs; `/readyz` fails while the database is older. */
export const REQUIRED_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const TABLE = "iron_schema_migrations";
/** Arbitrary constant: the advisory lock every `migrate` takes, so concurrent runs apply each migration once. */
const LOCK_KEY = 7_140_113_201;

export interface MigrationResult {
  applied: number[];
  version: number;
}

/**
 * Applies pending migrations, each in its own transaction, under a session advisory lock.
 * A second concurrent run waits for the lock, then finds nothing to do. No-op when current.
 */
export async function runMigrations(databaseUrl: string, log: (msg: string) => void = () => undefined): Promise<MigrationResult> {
  const client = createClient(databaseUrl);
  client.on("error", () => undefined); // reported through the failing query instead
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${TABLE}`);
      const done = new Set(rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        log(`applying migration ${m.version}: ${m.name}`);
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${TABLE} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.version);
      }
      const version = Math.max(0, ...done, ...applied);
      log(applied.length ? `schema is now at version ${version}` : `schema is current (version ${version}); nothing to do`);
      return { applied, version };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The database's schema version, 0 when it was never migrated. */
export async function schemaVersion(pool: Pool): Promise<number> {
  try {
    const { rows } = await pool.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${TABLE}`);
    return rows[0]?.v ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code === "42P01") return 0; // undefined_table
    throw err;
  }
}
