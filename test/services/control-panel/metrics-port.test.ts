/** The panel's separate metrics listener (IRON_METRICS_PORT) and the configuration that guards it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, runMigrations, startServer, type RunningServer } from "@iron/control-panel";
import { createTestDatabase } from "../../support/postgres.js";
import { freePort } from "../../support/ports.js";
import { scrape } from "../../support/prometheus.js";
import { testEnv } from "./helpers.js";

describe("IRON_METRICS_PORT", () => {
  let server: RunningServer;
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createTestDatabase("cpm");
    await runMigrations(databaseUrl);
    server = await startServer(loadConfig(testEnv(databaseUrl, { IRON_METRICS_PORT: String(await freePort()), IRON_METRICS_HOST: "127.0.0.1" })));
  });
  afterAll(async () => server?.close());

  it("serves /metrics there without credentials, and only /metrics", async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const m = await scrape(`${server.metricsUrl}/metrics`);
    expect(m.value("iron_panel_tokens", { status: "active" })).toBe(0);
    expect((await fetch(`${server.metricsUrl}/api/tokens`)).status).toBe(404);
  });

  it("answers 404 on the main port, naming the metrics port", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/IRON_METRICS_PORT=\d+/);
  });

  it("refuses a metrics port equal to PORT, and a metrics host without a port", () => {
    expect(() => loadConfig(testEnv(databaseUrl, { PORT: "3000", IRON_METRICS_PORT: "3000" }))).toThrow(/IRON_METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig(testEnv(databaseUrl, { IRON_METRICS_HOST: "0.0.0.0" }))).toThrow(ConfigError);
    expect(() => loadConfig(testEnv(databaseUrl, { IRON_METRICS_PORT: "abc" }))).toThrow(/IRON_METRICS_PORT: must be a whole number/);
  });
});
