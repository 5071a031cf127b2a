import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { runMigrations } from "@iron/control-panel";
import { createTestDatabase, startEmbeddedPostgres, type PostgresServer } from "../../support/postgres.js";
import { freePort } from "../../support/ports.js";
import { startProcess, stopAll, waitFor, waitForHttp } from "../../support/processes.js";
import { redisAvailable, startRedis, type RedisServer } from "../../support/redis.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, NODE_SOURCE_ARGS, REPO_ROOT, event, testEnv } from "./helpers.js";

afterAll(async () => stopAll());

async function servePanel(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<unknown>; output: () => string }> {
  const port = await freePort();
  const proc = startProcess(process.execPath, [...NODE_SOURCE_ARGS, "serve"], { env: { PATH: process.env.PATH, ...env, PORT: String(port) }, cwd: REPO_ROOT });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return { url, stop: () => proc.stop(), output: proc.output };
}

async function loginAndIssue(url: string): Promise<{ admin: string; token: string; tokenId: string }> {
  let admin = "";
  await waitFor("admin bootstrap", async () => {
    const res = await fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
    if (res.status === 200) admin = ((await res.json()) as { access_token: string }).access_token;
    return res.status === 200;
  }, 20_000);
  const res = await fetch(`${url}/api/tokens`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ budget_micros: 1_000_000_000 }) });
  const body = (await res.json()) as { token: string; id: string };
  return { admin, token: body.token, tokenId: body.id };
}

describe("rate limits shared through Redis", () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());

  it.skipIf(!redisAvailable())("two server processes sharing one Redis enforce one limit, with 429 and Retry-After", async () => {
    redis = await startRedis();
    const databaseUrl = await createTestDatabase("rl");
    await runMigrations(databaseUrl);
    const env = testEnv(databaseUrl, { REDIS_URL: redis.url, IRON_RATE_LIMIT_MAX: "10", IRON_RATE_LIMIT_WINDOW_MS: "60000" });
    const [a, b] = await Promise.all([servePanel(env), servePanel(env)]);
    await waitFor("both ready", async () => (await fetch(`${a.url}/readyz`)).ok && (await fetch(`${b.url}/readyz`)).ok);
    const credential = { authorization: "Bearer iron_sk_rate-limit-probe" };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${(i % 2 ? b : a).url}/api/tokens`, { headers: credential });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
      }
    }
    // 10 requests reach the handler (401: the probe key does not exist); the 11th and 12th, on either server, are limited.
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another credential has its own budget.
    expect((await fetch(`${a.url}/api/tokens`, { headers: { authorization: "Bearer iron_sk_other" } })).status).toBe(401);

    // Redis gone: /readyz says so; requests are not blocked on it.
    await redis.stop();
    redis = undefined;
    await waitFor("readyz to report Redis", async () => (await fetch(`${a.url}/readyz`)).status === 503);
    const ready = (await (await fetch(`${a.url}/readyz`)).json()) as { checks: { redis: string } };
    expect(ready.checks.redis).toContain("unreachable");
    expect((await fetch(`${a.url}/api/tokens`, { headers: { authorization: "Bearer iron_sk_third" } })).status).toBe(401);
    await Promise.all([a.stop(), b.stop()]);
  });
});

describe("PostgreSQL outage", () => {
  let server: PostgresServer | undefined;
  afterAll(async () => server?.destroy());

  it("goes unready while PostgreSQL is down, ready again after, and never loses an accepted event", async () => {
    server = await startEmbeddedPostgres();
    const databaseUrl = server.url;
    await runMigrations(databaseUrl);
    const panel = await servePanel(testEnv(databaseUrl));
    const { token, tokenId } = await loginAndIssue(panel.url);

    const outcomes = new Map<string, { status: number; cost: number }>();
    let running = true;
    const send = async () => {
      const e = event({ cost_micros: 1 + outcomes.size });
      let status = 0;
      try {
        const res = await fetch(`${panel.url}/api/telemetry`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ events: [e] }),
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = -1;
      }
      outcomes.set(e.event_id, { status, cost: e.cost_micros });
    };
    const loop = (async () => {
      while (running) {
        await send();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    await waitFor("some events accepted", () => [...outcomes.values()].filter((o) => o.status === 202).length >= 5);
    await server.stop();
    await waitFor("readyz to fail", async () => (await fetch(`${panel.url}/readyz`)).status === 503, 20_000);
    const unready = (await (await fetch(`${panel.url}/readyz`)).json()) as { checks: { database: string } };
    expect(unready.checks.database).toContain("unreachable");
    await waitFor("an ingest refused during the outage", () => [...outcomes.values()].some((o) => o.status === 503), 20_000);
    await server.start();
    await waitFor("readyz to recover", async () => (await fetch(`${panel.url}/readyz`)).status === 200, 30_000);
    const acceptedBefore = [...outcomes.values()].filter((o) => o.status === 202).length;
    await waitFor("events accepted again", () => [...outcomes.values()].filter((o) => o.status === 202).length >= acceptedBefore + 5, 20_000);
    running = false;
    await loop;

    const statuses = new Set([...outcomes.values()].map((o) => o.status));
    expect([...statuses].every((s) => s === 202 || s === 503), `statuses seen: ${[...statuses].join(", ")}`).toBe(true);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ event_id: string }>("SELECT event_id FROM telemetry_events WHERE token_id = $1", [tokenId]);
    const stored = new Set(rows.map((r) => r.event_id));
    const accepted = [...outcomes.entries()].filter(([, o]) => o.status === 202);
    expect(accepted.filter(([id]) => !stored.has(id)).map(([id]) => id)).toEqual([]);
    const spent = await client.query<{ spent: number }>("SELECT spent_micros::int AS spent FROM agent_tokens WHERE id = $1", [tokenId]);
    const storedCost = [...outcomes.entries()].filter(([id]) => stored.has(id)).reduce((a, [, o]) => a + o.cost, 0);
    expect(spent.rows[0]!.spent).toBe(storedCost);
    await client.end();
    await panel.stop();
  });
});
