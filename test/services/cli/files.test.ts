import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIron, tempHome } from "../../support/iron-cli.js";
import { startScriptedServer, type Answer, type ScriptedServer } from "../../support/scripted-server.js";

/** ~/.iron: locks left by a crash, damaged files, permissions, and keys that stay with their panel. */

const KEY = "iron_sk_files-test-key";
let panel: ScriptedServer;
beforeAll(async () => {
  panel = await startScriptedServer((req): Answer => {
    if (req.path === "/api/auth/me") {
      return { status: 200, body: { user: { id: randomUUID(), email: "ops@example.com", role: "admin", created_at: "2026-01-01T00:00:00Z", disabled_at: null }, credential: "api_key" } };
    }
    const { budget_micros } = JSON.parse(req.body || "{}") as { budget_micros?: number };
    return { status: 201, body: { id: randomUUID(), token: `t.${randomUUID()}.s`, agent_id: "a", name: null, budget_micros, expires_at: null } };
  });
});
afterAll(() => panel.close());

const generate = (home: string, env: Record<string, string> = { IRON_API_URL: panel.url, IRON_API_KEY: KEY }) =>
  runIron(["token", "generate", "--budget", "1"], { home, env });

describe("~/.iron files", () => {
  it("a lock left by a process that is gone is broken, and the token saved", async () => {
    const home = tempHome();
    mkdirSync(join(home, ".iron"), { mode: 0o700 });
    const lock = join(home, ".iron/tokens.lock");
    writeFileSync(lock, "999999999"); // no such pid
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const run = await generate(home);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(home, ".iron/tokens"), "utf8")).toContain(run.stdout.trim());
    expect(existsSync(lock)).toBe(false);
  });

  it("a damaged tokens file is named in the error, left as it was, and the issued token still printed", async () => {
    const home = tempHome();
    mkdirSync(join(home, ".iron"), { mode: 0o700 });
    writeFileSync(join(home, ".iron/tokens"), "{ not json", { mode: 0o600 });
    const run = await generate(home);
    expect(run.code).toBe(1);
    expect(run.stdout.trim()).toMatch(/^t\..+\.s$/);
    expect(run.stderr).toContain(`${join(home, ".iron/tokens")} is not a file iron can read`);
    expect(readFileSync(join(home, ".iron/tokens"), "utf8")).toBe("{ not json");
  });

  it("a ~/.iron open to others is tightened to 0700", async () => {
    const home = tempHome();
    mkdirSync(join(home, ".iron"));
    chmodSync(join(home, ".iron"), 0o755);
    expect((await generate(home)).code).toBe(0);
    expect(statSync(join(home, ".iron")).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, ".iron/tokens")).mode & 0o777).toBe(0o600);
  });

  it("a key saved for one panel is never sent to another", async () => {
    const home = tempHome();
    const login = await runIron(["login", "--api-key", KEY, "--api-url", panel.url], { home });
    expect(login.code, login.stderr).toBe(0);
    const other = await startScriptedServer(() => ({ status: 500 }));
    try {
      const run = await runIron(["token", "list", "--api-url", other.url], { home });
      expect(run.code).toBe(4);
      expect(run.stderr).toContain(`not logged in to the Control Panel at ${other.url}`);
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});
