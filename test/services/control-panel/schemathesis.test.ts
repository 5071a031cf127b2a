/**
 * The standing hostile-input suite (issue 14): schemathesis generates requests from the panel's own /openapi.json,
 * valid and invalid, and sends them to a real panel (real HTTP, embedded PostgreSQL) with an admin API key and with
 * an agent token whose spend is near the largest supported amount. Not one answer may be a 5xx, and every answer must
 * match the status, content type and schema /openapi.json documents for it. A bounded run: a fixed seed (IRON_SCHEMATHESIS_SEED overrides it) and
 * a few dozen cases per operation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { loadConfig, runMigrations, startServer, type RunningServer } from "@iron/control-panel";
import { MAX_EVENT_COST_MICROS, MAX_EVENTS_PER_BATCH, MAX_MICROS } from "@iron/protocol";
import { createTestDatabase } from "../../support/postgres.js";
import { findSchemathesis } from "../../support/schemathesis.js";
import { run } from "../../support/test-cache.js";
import { ADMIN_EMAIL, ADMIN_PASSWORD, testEnv } from "./helpers.js";

const found = findSchemathesis();
const seed = process.env.IRON_SCHEMATHESIS_SEED ?? "14";

let server: RunningServer;
let apiKey = "";
let agentToken = "";
beforeAll(async () => {
  if (!("st" in found)) return;
  const databaseUrl = await createTestDatabase("fuzz");
  await runMigrations(databaseUrl);
  server = await startServer(loadConfig(testEnv(databaseUrl, { IRON_RATE_LIMIT_MAX: "10000000", IRON_LOG_LEVEL: "error" })));
  const post = async (path: string, body: unknown, bearer?: string) => {
    const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: JSON.stringify(body) });
    return (await res.json()) as Record<string, string>;
  };
  const access = (await post("/api/auth/login", { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).access_token!;
  apiKey = (await post("/api/keys", { name: "schemathesis" }, access)).key!;
  // Hostile state to fuzz against: two tokens whose spend is already within one batch of 2^53 - 1, so any accepted
  // event tests the running-total bound and /api/usage sums past the safe range.
  for (let i = 0; i < 2; i++) {
    const token = (await post("/api/tokens", { budget_micros: 1_000_000_000 }, access)).token!;
    await spendNearMax(server.url, token);
    agentToken = token;
  }
});

/** Posts full batches of the costliest events the contract allows until the token is within one batch of 2^53 - 1. */
async function spendNearMax(url: string, token: string): Promise<void> {
  for (let spent = 0; spent + MAX_EVENTS_PER_BATCH * MAX_EVENT_COST_MICROS <= MAX_MICROS; spent += MAX_EVENTS_PER_BATCH * MAX_EVENT_COST_MICROS) {
    const events = Array.from({ length: MAX_EVENTS_PER_BATCH }, () => ({
      event_id: randomUUID(), ts: new Date().toISOString(), type: "llm_call", provider: "openai", model: "gpt-4o",
      input_tokens: 1, output_tokens: 1, cost_micros: MAX_EVENT_COST_MICROS, latency_ms: 1,
    }));
    const res = await fetch(`${url}/api/telemetry`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ events }) });
    if (res.status !== 202) throw new Error(`seeding spend failed: ${res.status} ${await res.text()}`);
  }
}
afterAll(async () => server?.close());

/** Runs schemathesis over the operations `filters` select, as `bearer`; returns its exit status and output (also in test-results/). */
async function fuzz(name: "user" | "agent", bearer: string, filters: string[], maxExamples: number) {
  if (!("st" in found)) throw new Error(found.missing);
  const args = [
    "run", `${server.url}/openapi.json`,
    "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
    "--header", `Authorization: Bearer ${bearer}`,
    "--phases", "examples,coverage,fuzzing",
    "--max-examples", String(maxExamples),
    "--seed", seed,
    "--workers", "2",
    "--request-timeout", "20",
    "--no-color",
    "--generation-database", "none",
    ...filters,
  ];
  // From a temp dir: schemathesis keeps its crash cache in ./.schemathesis.
  const cwd = mkdtempSync(join(tmpdir(), "iron-schemathesis-"));
  const r = await run("sh", ["-c", 'cd "$0" && exec "$@"', cwd, found.st, ...args], { ...process.env, SCHEMATHESIS_TELEMETRY: "false", NO_COLOR: "1" });
  // Its summary (operations, cases generated, failures) stays for whoever reads the run.
  mkdirSync("test-results", { recursive: true });
  writeFileSync(`test-results/schemathesis-${name}.txt`, r.output);
  return r;
}

describe.skipIf(!("st" in found))(`schemathesis against a real panel${"st" in found ? "" : ` (skipped: ${found.missing})`}`, () => {
  it("answers no request to the user-facing API with a 5xx (admin API key)", { timeout: 300_000 }, async () => {
    const r = await fuzz("user", apiKey, ["--exclude-path", "/api/events", "--exclude-path", "/api/telemetry", "--exclude-path", "/api/tokens/self"], 25);
    expect(r.status, r.output.slice(-8000)).toBe(0);
    expect(r.output).toMatch(/passed/i);
  });

  it("answers no telemetry or self request with a 5xx (agent token)", { timeout: 300_000 }, async () => {
    const r = await fuzz("agent", agentToken, ["--include-path", "/api/telemetry", "--include-path", "/api/tokens/self"], 60);
    expect(r.status, r.output.slice(-8000)).toBe(0);
    expect(r.output).toMatch(/passed/i);
  });
});
