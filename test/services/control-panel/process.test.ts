import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { MIGRATIONS } from "@iron/control-panel";
import { createTestDatabase } from "../../support/postgres.js";
import { freePort } from "../../support/ports.js";
import { startProcess, waitFor, waitForHttp } from "../../support/processes.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, NODE_SOURCE_ARGS, REPO_ROOT, event, testEnv } from "./helpers.js";

const run = promisify(execFile);

/** True when dist/ is missing or older than a source file of the panel or the protocol. */
function distIsStale(): boolean {
  const main = `${REPO_ROOT}services/control-panel/dist/main.js`;
  if (!existsSync(main)) return true;
  const built = statSync(main).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(`${dir}/${e.name}`) : statSync(`${dir}/${e.name}`).mtimeMs)));
  return Math.max(newest(`${REPO_ROOT}services/control-panel/src`), newest(`${REPO_ROOT}services/protocol/src`)) > built;
}

/** Runs the CLI from source to completion; never throws, returns exit code and output. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...NODE_SOURCE_ARGS, ...args], { env: { PATH: process.env.PATH, ...env }, cwd: REPO_ROOT });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

describe("the control-panel command", () => {
  it("exits 1 with one clear message naming each bad or missing variable", async () => {
    const missing = await cli(["serve"], {});
    expect(missing.code).toBe(1);
    expect(missing.out).toContain("DATABASE_URL: is required");
    expect(missing.out).toContain("IRON_MASTER_KEY: is required");
    const bad = await cli(["serve"], { DATABASE_URL: "postgres://x@127.0.0.1/db", IRON_MASTER_KEY: "k".repeat(40), PORT: "eighty", IRON_ADMIN_EMAIL: "a@b.co" });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/PORT: must be a whole number from 0 to 65535/);
    expect(bad.out).toMatch(/IRON_ADMIN_EMAIL and IRON_ADMIN_PASSWORD/);
    expect(bad.out).not.toContain("k".repeat(40));
    const unknown = await cli(["launch"], {});
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain("unknown command: launch");
  });

  it("lets two migrate processes run at once: both succeed and leave one schema", async () => {
    const url = await createTestDatabase("mig");
    const [a, b] = await Promise.all([cli(["migrate"], { DATABASE_URL: url }), cli(["migrate"], { DATABASE_URL: url })]);
    expect([a.code, b.code], a.out + b.out).toEqual([0, 0]);
    expect(a.out + b.out).toContain("nothing to do");
    const again = await cli(["migrate"], { DATABASE_URL: url });
    expect(again.out).toContain("nothing to do");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const versions = await client.query("SELECT version FROM iron_schema_migrations ORDER BY version");
    const tables = await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'telemetry_events'");
    await client.end();
    expect(versions.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    expect(tables.rows[0].n).toBe(1);
    const down = await cli(["migrate"], { DATABASE_URL: `postgres://nobody@127.0.0.1:${await freePort()}/none` });
    expect(down.code).toBe(1);
    expect(down.out).toContain("migrate failed");
  });
});

describe("a served panel process", () => {
  let url: string;
  let env: Record<string, string>;
  let proc: ReturnType<typeof startProcess>;
  beforeAll(async () => {
    const port = await freePort();
    env = testEnv(await createTestDatabase("srv"), { PORT: String(port), IRON_LOG_LEVEL: "debug" });
    url = `http://127.0.0.1:${port}`;
    proc = startProcess(process.execPath, [...NODE_SOURCE_ARGS, "serve"], { env: { PATH: process.env.PATH, ...env }, cwd: REPO_ROOT });
    await waitForHttp(`${url}/healthz`, 30_000);
  });
  afterAll(async () => proc?.stop());

  it("is unready until migrated, then bootstraps the admin, serves, logs no secret and stops on SIGTERM", async () => {
    const before = await fetch(`${url}/readyz`);
    expect(before.status).toBe(503);
    expect(JSON.stringify(await before.json())).toContain("run the migrate command");
    expect((await cli(["migrate"], { DATABASE_URL: env.DATABASE_URL! })).code).toBe(0);
    await waitFor("readyz", async () => (await fetch(`${url}/readyz`)).status === 200);

    let login: Response | undefined;
    await waitFor("admin bootstrap", async () => {
      login = await fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
      return login.status === 200;
    }, 20_000);
    const { access_token } = (await login!.json()) as { access_token: string };
    const h = { authorization: `Bearer ${access_token}`, "content-type": "application/json" };
    const key = ((await (await fetch(`${url}/api/keys`, { method: "POST", headers: h, body: JSON.stringify({ name: "k" }) })).json()) as { key: string }).key;
    const token = ((await (await fetch(`${url}/api/tokens`, { method: "POST", headers: { ...h, authorization: `Bearer ${key}` }, body: JSON.stringify({ budget_micros: 1000 }) })).json()) as { token: string }).token;
    const ingest = await fetch(`${url}/api/telemetry`, { method: "POST", headers: { ...h, authorization: `Bearer ${token}` }, body: JSON.stringify({ events: [event()] }) });
    expect(ingest.status).toBe(202);
    await fetch(`${url}/api/tokens/self?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${url}/api/tokens`, { headers: { authorization: `Bearer ${token}x` } });
    await fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: ADMIN_EMAIL, password: "wrong-" + ADMIN_PASSWORD }) });
    const events = new AbortController();
    await fetch(`${url}/api/events?access_token=${access_token}`, { signal: events.signal }).then(() => events.abort()).catch(() => undefined);

    expect(await proc.stop(10_000)).toBe(0);
    const logs = proc.output();
    expect(logs).toContain("request completed"); // debug level logs every request: the grep below has something to search
    for (const secret of [env.IRON_MASTER_KEY!, ADMIN_PASSWORD, access_token, key, token, key.slice(8, 30), token.split(".")[2]!, env.DATABASE_URL!]) {
      expect(logs.includes(secret), `a secret appeared in the logs: ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});

describe("npm scripts against the built dist", () => {
  it("migrates and starts through `npm run migrate|start -w services/control-panel`", async () => {
    if (distIsStale()) {
      await run("npm", ["run", "build", "-w", "services/protocol", "-w", "services/control-panel"], { cwd: REPO_ROOT });
    }
    const port = await freePort();
    const e = { PATH: process.env.PATH!, ...testEnv(await createTestDatabase("npm"), { PORT: String(port) }) };
    const migrated = await run("npm", ["run", "migrate", "-w", "services/control-panel"], { cwd: REPO_ROOT, env: e });
    expect(migrated.stdout).toContain("migrate done");
    const server = startProcess("npm", ["run", "start", "-w", "services/control-panel"], { cwd: REPO_ROOT, env: e });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, 30_000);
      const version = await (await fetch(`http://127.0.0.1:${port}/version`)).json();
      expect(version).toMatchObject({ name: "@iron/control-panel", schema_version: 4 });
    } finally {
      await server.stop();
    }
  });
});
