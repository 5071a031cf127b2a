import { describe, expect, it } from "vitest";
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createTestIssuer } from "../../support/agent-token.js";
import { runRuntimeCli, startRuntimeProcess, type RuntimeProcess } from "../../support/agent-runtime.js";
import { freePort } from "../../support/ports.js";
import { waitFor } from "../../support/processes.js";
import { chat, post, tempDir, usePeers } from "./helpers.js";

const peers = usePeers();

const upstreams = () => ["--openai-base-url", peers.fake.openaiBaseUrl, "--anthropic-base-url", peers.fake.anthropicBaseUrl, "--log-level", "warn"];

describe("configuration is validated at start", () => {
  it("--help teaches the flags, the environment and how to point an agent at the runtime", async () => {
    const { code, output } = await runRuntimeCli(["serve", "--help"], {});
    expect(code).toBe(0);
    for (const text of ["--state-dir", "--openai-base-url", "IRON_TOKEN", "IRON_CONTROL_PANEL_URL", "/openai/v1", "--jwks-file"]) expect(output).toContain(text);
  });

  it("names what to change and exits 2 on a missing token, a bad flag or an unverifiable token", async () => {
    const missing = await runRuntimeCli(["serve", "--state-dir", tempDir()], {});
    expect(missing.code).toBe(2);
    expect(missing.output).toContain("IRON_TOKEN is required");

    const { token } = await peers.issuer.issue(1000);
    const badPort = await runRuntimeCli(["serve", "--port", "99999", "--state-dir", tempDir()], { IRON_TOKEN: token });
    expect(badPort.code).toBe(2);
    expect(badPort.output).toContain("--port / IRON_RUNTIME_PORT");

    const badUrl = await runRuntimeCli(["serve", "--openai-base-url", "ftp://x", "--state-dir", tempDir()], { IRON_TOKEN: token });
    expect(badUrl.output).toContain("--openai-base-url / IRON_OPENAI_BASE_URL: must be an http(s) URL");

    const noKeys = await runRuntimeCli(["serve", "--state-dir", tempDir()], { IRON_TOKEN: token });
    expect(noKeys.code).toBe(2);
    expect(noKeys.output).toMatch(/cannot verify IRON_TOKEN.*--jwks-file.*--trust-unverified-token/s);

    const stranger = await (await createTestIssuer()).issue(1000);
    const forged = await runRuntimeCli(["serve", "--jwks-file", peers.jwksFile, "--state-dir", tempDir()], { IRON_TOKEN: stranger.token });
    expect(forged.code).toBe(2);
    expect(forged.output).toContain("does not verify");

    const notAJwt = await runRuntimeCli(["serve", "--state-dir", tempDir()], { IRON_TOKEN: "sk-not-a-token" });
    expect(notAJwt.output).toContain("IRON_TOKEN is not a JWT");

    const pricesFile = join(tempDir(), "prices.json");
    writeFileSync(pricesFile, JSON.stringify({ models: { "my-model": { provider: "openai", input: -1, output: 1 } } }));
    const badPrices = await runRuntimeCli(["serve", "--jwks-file", peers.jwksFile, "--prices-file", pricesFile, "--state-dir", tempDir()], { IRON_TOKEN: token });
    expect(badPrices.code).toBe(2);
    expect(badPrices.output).toMatch(/models\.my-model\.input/);
  });

  it("prices a model from a prices file and, with --unknown-models highest-price, an unknown model at the table's top prices", async () => {
    const pricesFile = join(tempDir(), "prices.json");
    writeFileSync(pricesFile, JSON.stringify({ models: { "house-model": { provider: "openai", input: 1_000_000, output: 2_000_000, max_output_tokens: 1000 } } }));
    const { token } = await peers.issuer.issue(10_000_000);
    const rt = await startRuntimeProcess({ token, stateDir: tempDir(), args: ["--jwks-file", peers.jwksFile, "--prices-file", pricesFile, "--unknown-models", "highest-price", ...upstreams()] });
    peers.fake.usage = { input: 1000, cached: 0, cacheWrite: 0, output: 500 };
    const house = await post(`${rt.url}/openai/v1/chat/completions`, chat("house-model", 500));
    expect(house.headers.get("x-iron-cost-micros")).toBe("2000"); // 1000 × $1/M + 500 × $2/M
    const unknown = await post(`${rt.url}/openai/v1/chat/completions`, chat("mystery-model", 500));
    expect(unknown.status).toBe(200);
    // The highest input price of any kind (Opus 1-hour cache writes, $30/M) and the highest output price ($75/M).
    expect(unknown.headers.get("x-iron-cost-micros")).toBe("67500");
    await rt.stop();
  });

  it("--trust-unverified-token runs without keys and says so in /status", async () => {
    const { token } = await (await createTestIssuer()).issue(1000);
    const rt = await startRuntimeProcess({ token, stateDir: tempDir(), args: ["--trust-unverified-token", ...upstreams()] });
    expect((await rt.status()).token.verification).toBe("trusted");
    await rt.stop();
  });

  it("answers 503 until it can verify the token when the panel has never been reachable", async () => {
    const { token } = await (await createTestIssuer()).issue(1000);
    const deadPanel = `http://127.0.0.1:${await freePort()}`;
    const rt = await startRuntimeProcess({ token, stateDir: tempDir(), args: ["--control-panel-url", deadPanel, ...upstreams()] });
    const hits = peers.fake.totalHits();
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ error: { code: "token_unverified" } });
    expect(peers.fake.totalHits()).toBe(hits);
    expect((await rt.status()).token.verification).toBe("pending");
    await rt.stop();
  });

  it("refuses calls with an expired token", async () => {
    const { token } = await peers.issuer.issue(1000, { expiresInSeconds: -60 });
    const rt = await startRuntimeProcess({ token, stateDir: tempDir(), args: ["--jwks-file", peers.jwksFile, ...upstreams()] });
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: { code: "token_expired" } });
    await rt.stop();
  });
});

describe("state dir", () => {
  it("copies the write-ahead log into the database off the request path (the checkpoint thread)", async () => {
    const { token } = await peers.issuer.issue(1_000_000);
    const stateDir = tempDir();
    const rt = await startRuntimeProcess({ token, stateDir, args: ["--jwks-file", peers.jwksFile, ...upstreams()] });
    const dbSize = () => statSync(join(stateDir, "runtime.sqlite")).size;
    await waitFor("the first checkpoint", () => dbSize() > 0);
    const before = dbSize();
    for (let i = 0; i < 40; i++) expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    await waitFor("the ledger pages to reach the database file", () => dbSize() > before);
    await rt.stop();
  });
});

describe("crash recovery", () => {
  /** A runtime on a fresh state dir, and a way to start another on the same dir. */
  async function onFreshState(budgetMicros = 1_000_000) {
    const { token } = await peers.issuer.issue(budgetMicros);
    const stateDir = tempDir();
    const args = ["--jwks-file", peers.jwksFile, ...upstreams()];
    const start = () => startRuntimeProcess({ token, stateDir, args });
    return { stateDir, start, rt: await start() };
  }

  async function killHard(rt: RuntimeProcess): Promise<void> {
    process.kill(-rt.proc.child.pid!, "SIGKILL");
    await rt.proc.exited;
  }

  /** A stream the fake upstream holds after its first event; `end` lets the upstream finish it (after a kill). */
  async function heldStream(rt: RuntimeProcess): Promise<{ reserved: number; end(): Promise<void> }> {
    let release!: () => void;
    peers.fake.holdStream = new Promise<void>((resolve) => (release = resolve));
    const res = await fetch(`${rt.url}/openai/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat("gpt-4o-mini", 1000, { stream: true })) });
    const reader = res.body!.getReader();
    await reader.read();
    const reserved = (await rt.status()).reserved_micros;
    expect(reserved).toBeGreaterThan(0);
    return {
      reserved,
      async end() {
        peers.fake.holdStream = undefined;
        release();
        await reader.read().catch(() => undefined);
      },
    };
  }

  it("a call cut off by a crash is charged its reservation after the restart, once", async () => {
    const { start, rt } = await onFreshState();
    const { reserved, end } = await heldStream(rt);
    await killHard(rt);
    await end();

    const again = await start();
    const status = await again.status();
    expect(status).toMatchObject({ spent_micros: reserved, reserved_micros: 0, calls: 1 });
    expect(again.proc.output()).toContain("interrupted by the last shutdown");
    await again.stop();
    const third = await start();
    await waitFor("status", async () => (await third.status()).spent_micros === reserved);
    expect(third.proc.output()).not.toContain("interrupted by the last shutdown");
    await third.stop();
  });

  it("a call the upstream is still answering when the process is killed is charged its reservation after the restart", async () => {
    const { start, rt } = await onFreshState();
    let release!: () => void;
    peers.fake.holdAnswer = new Promise<void>((resolve) => (release = resolve));
    const hitsBefore = peers.fake.totalHits();
    const call = post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 500)).catch(() => undefined);
    await waitFor("the call to reach the upstream", () => peers.fake.totalHits() > hitsBefore);
    const reserved = (await rt.status()).reserved_micros;
    expect(reserved).toBeGreaterThan(0);
    await killHard(rt);
    peers.fake.holdAnswer = undefined;
    release();
    await call;

    const again = await start();
    expect(await again.status()).toMatchObject({ spent_micros: reserved, reserved_micros: 0, calls: 1 });
    expect(again.proc.output()).toContain("interrupted by the last shutdown");
    await again.stop();
  });

  it("a call answered just before the process is killed keeps its exact cost (settled in the journal, not yet in the ledger)", async () => {
    const { start, rt } = await onFreshState();
    peers.fake.usage = { input: 321, cached: 0, cacheWrite: 0, output: 12 };
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 5000));
    await killHard(rt); // within the journal's flush interval: the ledger has not taken it yet
    expect(res.status).toBe(200);
    const cost = Number(res.headers.get("x-iron-cost-micros"));
    expect(cost).toBeGreaterThan(0);

    const again = await start();
    expect(await again.status()).toMatchObject({ spent_micros: cost, reserved_micros: 0, calls: 1 });
    expect(again.proc.output()).not.toContain("interrupted by the last shutdown");
    await again.stop();
    const third = await start();
    expect(await third.status()).toMatchObject({ spent_micros: cost, calls: 1 });
    await third.stop();
    peers.fake.usage = { input: 100, cached: 0, cacheWrite: 0, output: 20 };
  });

  it("keeps a long call's reservation when the journal starts over under it (many calls while one stream is open)", async () => {
    const { stateDir, start, rt } = await onFreshState(100_000_000);
    const { reserved, end } = await heldStream(rt);
    const journal = () => journalLength(join(stateDir, "calls.journal"));
    let spent = 0;
    let startedOver = false;
    for (let i = 0; i < 2000 && !startedOver; i++) {
      const before = journal();
      const call = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
      expect(call.status).toBe(200);
      spent += Number(call.headers.get("x-iron-cost-micros"));
      startedOver = journal() < before;
    }
    expect(startedOver).toBe(true);
    await killHard(rt);
    await end();

    const again = await start();
    const status = await again.status();
    expect(status.spent_micros).toBe(spent + reserved);
    expect(again.proc.output()).toContain("interrupted by the last shutdown");
    await again.stop();
  });

  it("skips a journal line cut short (a kill mid-copy, a power loss) and says so; the calls before it count", async () => {
    const { stateDir, start, rt } = await onFreshState();
    const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 100));
    await killHard(rt);
    // Where the next line would have gone (the journal's file is sized ahead, its unwritten tail zero bytes): its start
    // and its end, with zeros where its middle was not copied yet.
    const file = join(stateDir, "calls.journal");
    const end = journalLength(file);
    const fd = openSync(file, "r+");
    writeSync(fd, '["r","half-written",', end);
    writeSync(fd, '"openai","chat.completions","gpt-4o-mini",1000]\n', end + 60);
    closeSync(fd);

    const again = await start();
    expect(await again.status()).toMatchObject({ spent_micros: Number(res.headers.get("x-iron-cost-micros")), calls: 1 });
    expect(again.proc.output()).toContain("cut short");
    await again.stop();
  });
});

/** The bytes the journal holds: up to its first zero byte (the file is sized ahead of its lines). */
function journalLength(file: string): number {
  const bytes = readFileSync(file);
  const end = bytes.indexOf(0);
  return end === -1 ? bytes.length : end;
}
