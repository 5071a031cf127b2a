/**
 * Regression test for issue 14, defect 6: on a first start (empty database) `/readyz` must not answer 200 before the
 * first admin exists, so a deploy pipeline that signs in as soon as the panel is ready never meets a 401.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, runMigrations, startServer, type RunningServer } from "@iron/control-panel";
import { freePort } from "../../support/ports.js";
import { createTestDatabase } from "../../support/postgres.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, testEnv } from "./helpers.js";

let servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function freshPanel(env: Record<string, string> = {}) {
  const databaseUrl = await createTestDatabase("ready");
  await runMigrations(databaseUrl);
  const port = await freePort();
  return { databaseUrl, port, config: loadConfig(testEnv(databaseUrl, { PORT: String(port), ...env })) };
}

const login = (url: string) =>
  fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });

describe("readiness means usable", () => {
  it("signs in on the first 200 from /readyz of a first start, as a deploy gate polling from the outside would", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { port, config } = await freshPanel();
      const url = `http://127.0.0.1:${port}`;
      let stop = false;
      // Poll as fast as a readiness gate can, while the panel starts.
      const firstReady = (async () => {
        while (!stop) {
          const res = await fetch(`${url}/readyz`).catch(() => undefined);
          if (res?.status === 200) return login(url);
          await res?.body?.cancel();
          await new Promise((r) => setTimeout(r, 2));
        }
        return undefined;
      })();
      servers.push(await startServer(config));
      const signedIn = await firstReady;
      stop = true;
      expect(signedIn?.status).toBe(200);
    }
  });

  it("stays unready, saying what to set, while no admin exists and none is configured", async () => {
    const { config } = await freshPanel({ IRON_ADMIN_EMAIL: "", IRON_ADMIN_PASSWORD: "" });
    expect(config.admin).toBeUndefined();
    const server = await startServer(config);
    servers.push(server);
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe("unready");
    expect(body.checks.admin).toContain("set IRON_ADMIN_EMAIL and IRON_ADMIN_PASSWORD");
    expect(body.checks.database).toBe("ok");
  });
});
