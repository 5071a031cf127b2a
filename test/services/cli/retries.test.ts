import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_RETRY } from "@iron/cli";
import { freePort } from "../../support/ports.js";
import { runIron, tempHome } from "../../support/iron-cli.js";
import { panelError as error, startScriptedServer, tokenCreated as created, type ScriptedServer } from "../../support/scripted-server.js";

/** How iron retries, waits and gives up, observed at a local server that answers what each test scripts. */

const KEY = "iron_sk_test-key-for-a-scripted-server";
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const generate = (url: string, home = tempHome()) => runIron(["token", "generate", "--budget", "100"], { home, env: { IRON_API_URL: url, IRON_API_KEY: KEY } });

describe("retries with exponential backoff", () => {
  it("503 twice then 201: succeeds on the third attempt, each wait at least the whole previous range", async () => {
    server = await startScriptedServer((req, n) => (n < 2 ? error(503, "unavailable", "database is down") : created(req)));
    const home = tempHome();
    const run = await generate(server.url, home);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual(Array(3).fill({ budget_micros: 100_000_000 }));
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    // The same Idempotency-Key on every attempt: a panel that did create the token on a lost answer returns it again.
    const keys = new Set(server.requests.map((r) => r.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    const [first, second, third] = server.requests.map((r) => r.at) as [number, number, number];
    // Waits are drawn from [base/2, base) then [base, 2·base): the second is never shorter than the first could be.
    expect(second - first).toBeGreaterThanOrEqual(DEFAULT_RETRY.baseDelayMs / 2);
    expect(third - second).toBeGreaterThanOrEqual(DEFAULT_RETRY.baseDelayMs);
    expect(run.stderr).toContain("HTTP 503; retrying in");
    expect(run.stdout.trim()).toBe("header.payload.signature");
    expect(readFileSync(join(home, ".iron/tokens"), "utf8")).toContain("header.payload.signature");
  });

  it("honours Retry-After on 429", async () => {
    server = await startScriptedServer((req, n) => (n === 0 ? error(429, "rate_limited", "slow down", { "retry-after": "1" }) : created(req)));
    const run = await generate(server.url);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it("gives up after 3 attempts of 502 with exit 3, naming the URL and the fix", async () => {
    server = await startScriptedServer(() => ({ status: 502, body: "bad gateway" }));
    const run = await generate(server.url);
    expect(run.code).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(run.stderr).toContain(`the Control Panel at ${server.url}/api/tokens is not serving after 3 attempts`);
    expect(run.stderr).toContain("IRON_API_URL");
  });
});

describe("answers that are not retried", () => {
  it("401: exit 4 after one request, telling how to log in", async () => {
    server = await startScriptedServer(() => error(401, "unauthorized", "unknown API key"));
    const run = await generate(server.url);
    expect(run.code).toBe(4);
    expect(server.requests).toHaveLength(1);
    expect(run.stderr).toContain(`the Control Panel at ${server.url}/api/tokens did not accept the credential: unknown API key`);
    expect(run.stderr).toContain("iron login");
  });

  it("400 validation_failed: exit 5 after one request, with the panel's reasons", async () => {
    server = await startScriptedServer(() => ({
      status: 400,
      body: { error: { code: "validation_failed", message: "the budget is over your limit", details: [{ path: "budget_micros", message: "too large" }] } },
    }));
    const run = await runIron(["token", "generate", "--budget", "100", "--json"], { env: { IRON_API_URL: server.url, IRON_API_KEY: KEY } });
    expect(run.code).toBe(5);
    expect(server.requests).toHaveLength(1);
    expect(run.stdout).toBe("");
    const { error: reported } = JSON.parse(run.stderr) as { error: { code: string; message: string; exit_code: number } };
    expect(reported).toMatchObject({ code: "validation_failed", exit_code: 5 });
    expect(reported.message).toContain("budget_micros: too large");
  });

  it("a redirect is not followed (the key stays with the URL it was given for): exit 2 naming where it points", async () => {
    server = await startScriptedServer(() => ({ status: 301, headers: { location: "https://panel.example.com/api/tokens" } }));
    const run = await generate(server.url);
    expect(run.code).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(run.stderr).toContain(`the Control Panel at ${server.url}/api/tokens redirects to https://panel.example.com/api/tokens`);
    expect(run.stderr).toContain("--api-url");
  });
});

describe("an unreachable panel", () => {
  it("a closed port: exit 3 with the URL, the cause and the fix, after 3 attempts", { timeout: 20_000 }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const run = await generate(url);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach the Control Panel at ${url}/api/tokens: ECONNREFUSED (3 attempts)`);
    expect(run.stderr).toContain("start the Control Panel");
    expect(run.stderr).toContain(`${url} is set by IRON_API_URL`);
    expect(run.stderr.match(/retrying in/g)).toHaveLength(2);
  });
});

describe("credentials over plain http", () => {
  it("are refused for a host other than this machine without --insecure, before anything is sent", async () => {
    const run = await runIron(["token", "list"], { env: { IRON_API_URL: "http://panel.example.invalid:3000", IRON_API_KEY: KEY } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("refusing to send credentials over plain http to http://panel.example.invalid:3000");
    expect(run.stderr).toContain("--insecure");
    expect(run.stderr).not.toContain(KEY);
  });
});
