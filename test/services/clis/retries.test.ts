import { afterEach, describe, expect, it } from "vitest";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLIS } from "../../support/clis.js";
import { freePort } from "../../support/ports.js";
import { tempHome, type IronResult } from "../../support/iron-cli.js";
import { panelError as error, startScriptedServer, tokenCreated as created, type ScriptedServer } from "../../support/scripted-server.js";

/** How both CLIs retry, wait and give up, observed at a local peer that answers what each test scripts. */

const KEY = "iron_sk_test-key-for-a-scripted-server";
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const noKey = (run: IronResult) => expect(run.stdout + run.stderr).not.toContain(KEY);

describe.each(CLIS.map((cli) => [cli.label, cli] as const))("%s", (_label, cli) => {
  const generate = (url: string, home = tempHome(), extra: string[] = []) =>
    cli.run(["token", "generate", "--budget", "100", ...extra], { home, env: { IRON_API_URL: url, IRON_API_KEY: KEY } });

  describe("retries with exponential backoff", () => {
    it("503 twice then 201: the third attempt succeeds, with one Idempotency-Key, each wait at least the whole previous range", async () => {
      server = await startScriptedServer((req, n) => (n < 2 ? error(503, "unavailable", "database is down") : created(req)));
      const home = tempHome();
      const run = await generate(server.url, home);
      expect(run.code, run.stderr).toBe(0);
      expect(server.requests).toHaveLength(3);
      expect(server.requests.map((r) => JSON.parse(r.body))).toEqual(Array(3).fill({ budget_micros: 100_000_000 }));
      expect(server.requests.every((r) => r.method === "POST" && r.path === "/api/tokens" && r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      // The same Idempotency-Key on every attempt: a panel that did create the token on a lost answer returns it again.
      const keys = new Set(server.requests.map((r) => r.headers["idempotency-key"]));
      expect(keys.size).toBe(1);
      expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
      const [first, second, third] = server.requests.map((r) => r.at) as [number, number, number];
      // Waits are drawn from [base/2, base) then [base, 2·base): the second is never shorter than the first could be.
      expect(second - first).toBeGreaterThanOrEqual(cli.baseDelayMs / 2);
      expect(third - second).toBeGreaterThanOrEqual(cli.baseDelayMs);
      expect(run.stderr).toContain("HTTP 503; retrying in");
      expect(run.stdout.trim()).toBe("header.payload.signature");
      expect(readFileSync(join(home, ".iron/tokens"), "utf8")).toContain("header.payload.signature");
      noKey(run);
    });

    it("honours Retry-After on 429", async () => {
      server = await startScriptedServer((req, n) => (n === 0 ? error(429, "rate_limited", "slow down", { "retry-after": "1" }) : created(req)));
      const run = await generate(server.url);
      expect(run.code, run.stderr).toBe(0);
      expect(server.requests).toHaveLength(2);
      expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    });

    it("gives up after 3 attempts of 502 with exit 3, naming the URL and the fix (--json: the same as a JSON error)", async () => {
      server = await startScriptedServer(() => ({ status: 502, body: "bad gateway" }));
      const run = await generate(server.url);
      expect(run.code).toBe(3);
      expect(server.requests).toHaveLength(3);
      expect(run.stderr).toContain(`the Control Panel at ${server.url}/api/tokens is not serving after 3 attempts`);
      expect(run.stderr).toContain("IRON_API_URL");

      const json = await generate(server.url, tempHome(), ["--json"]);
      expect(json.code).toBe(3);
      expect(json.stdout).toBe("");
      const { error: reported } = JSON.parse(json.stderr) as { error: { message: string; exit_code: number } };
      expect(reported.exit_code).toBe(3);
      expect(reported.message).toContain(`the Control Panel at ${server.url}/api/tokens is not serving after 3 attempts`);
      expect(json.stderr).toContain("IRON_API_URL");
    });
  });

  describe("answers that are not retried", () => {
    it("401: exit 4 after one request, telling how to log in", async () => {
      server = await startScriptedServer(() => error(401, "unauthorized", "unknown API key"));
      const run = await generate(server.url);
      expect(run.code).toBe(4);
      expect(server.requests).toHaveLength(1);
      expect(run.stderr).toContain(`the Control Panel at ${server.url}/api/tokens did not accept the credential: unknown API key`);
      expect(run.stderr).toContain(`${cli.command} login`);
      noKey(run);
    });

    it("400 validation_failed: exit 5 after one request, with the panel's reasons", async () => {
      server = await startScriptedServer(() => ({
        status: 400,
        body: { error: { code: "validation_failed", message: "the budget is over your limit", details: [{ path: "budget_micros", message: "too large" }] } },
      }));
      const run = await generate(server.url, tempHome(), ["--json"]);
      expect(run.code).toBe(5);
      expect(server.requests).toHaveLength(1);
      expect(run.stdout).toBe("");
      const { error: reported } = JSON.parse(run.stderr) as { error: { code: string; message: string; exit_code: number } };
      expect(reported).toMatchObject({ code: "validation_failed", exit_code: 5 });
      expect(reported.message).toContain("the budget is over your limit");
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
    it("connections dropped by the peer: exit 3 after exactly 3 attempts, with the URL and a hint", async () => {
      const sockets: Socket[] = [];
      const peer = createServer((socket) => {
        sockets.push(socket);
        socket.destroy();
      });
      await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
      try {
        const run = await generate(url);
        expect(run.code).toBe(3);
        expect(sockets).toHaveLength(3);
        expect(run.stderr).toContain(`cannot reach the Control Panel at ${url}/api/tokens:`);
        expect(run.stderr).toContain("(3 attempts)");
        expect(run.stderr).toContain("start the Control Panel");
        expect(run.stderr.match(/retrying in/g)).toHaveLength(2);
        noKey(run);
      } finally {
        await new Promise((resolve) => peer.close(resolve));
      }
    });

    it("a closed port: exit 3 with the URL, ECONNREFUSED and the fix, after 3 attempts", async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
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
      const run = await cli.run(["token", "list"], { env: { IRON_API_URL: "http://panel.example.invalid:3000", IRON_API_KEY: KEY } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("refusing to send credentials over plain http to http://panel.example.invalid:3000");
      expect(run.stderr).toContain("--insecure");
      noKey(run);
    });

    it("are sent with --insecure (to a local peer addressed as 0.0.0.0, which the CLI does not count as this machine)", async () => {
      server = await startScriptedServer(() => ({ status: 200, body: { items: [], next_cursor: null } }));
      const url = server.url.replace("127.0.0.1", "0.0.0.0"); // no DNS lookup, no traffic off this machine
      const refused = await cli.run(["token", "list"], { env: { IRON_API_URL: url, IRON_API_KEY: KEY } });
      expect(refused.code).toBe(2);
      expect(server.requests).toHaveLength(0);
      const run = await cli.run(["token", "list", "--insecure", "--json"], { env: { IRON_API_URL: url, IRON_API_KEY: KEY } });
      expect(run.code, run.stderr).toBe(0);
      expect(server.requests.map((r) => `${r.method} ${r.path.split("?")[0]} ${r.headers.authorization}`)).toEqual([`GET /api/tokens Bearer ${KEY}`]);
      noKey(run);
    });
  });
});
