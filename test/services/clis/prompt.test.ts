import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLIS } from "../../support/clis.js";
import { loginOnTerminal, tempHome } from "../../support/iron-cli.js";
import { startScriptedServer, type Answer, type ScriptedServer } from "../../support/scripted-server.js";

/** `login` asks for email and password on a terminal (a real pty via util-linux `script`) and never echoes the password. */

const PASSWORD = "typed-secret-password";
const KEY = `iron_sk_${"k".repeat(43)}`;
const KEY_ID = randomUUID();
let panel: ScriptedServer;
beforeAll(async () => {
  try {
    execFileSync("script", ["--version"]);
  } catch {
    throw new Error("`script` is missing: apt-get install util-linux (bsdutils on older Debian)");
  }
  panel = await startScriptedServer((req): Answer => {
    const user = { id: randomUUID(), email: "ops@example.com", role: "admin", created_at: "2026-01-01T00:00:00Z", disabled_at: null };
    if (req.path === "/api/auth/login") return { status: 200, body: { access_token: "access.jwt.here", token_type: "Bearer", expires_in: 900 } };
    if (req.path === "/api/keys") return { status: 201, body: { id: KEY_ID, key: KEY, name: "a cli", prefix: KEY.slice(0, 12), created_at: "2026-01-01T00:00:00Z" } };
    return { status: 200, body: { user, credential: "api_key" } };
  });
});
afterAll(() => panel.close());

describe.each(CLIS.map((cli) => [cli.label, cli] as const))("%s: interactive login", (_label, cli) => {
  it("asks for the email, then the password without echoing it, and saves the created key with its id", async () => {
    const home = tempHome();
    const before = panel.requests.length;
    const { code, screen } = await loginOnTerminal(await cli.executable(), { home, apiUrl: panel.url, email: "ops@example.com", password: PASSWORD });
    expect(code).toBe(0);

    expect(screen).toContain("ops@example.com"); // the email is echoed
    expect(screen).not.toContain(PASSWORD);
    expect(screen).not.toContain(KEY);
    const requests = panel.requests.slice(before);
    const login = requests.find((r) => r.path === "/api/auth/login");
    expect(JSON.parse(login!.body)).toEqual({ email: "ops@example.com", password: PASSWORD });
    const keys = requests.find((r) => r.path === "/api/keys")!;
    expect(keys.headers.authorization).toBe("Bearer access.jwt.here");
    expect(JSON.parse(keys.body)).toEqual({ name: expect.stringMatching(new RegExp(`^${cli.keyNamePrefix} on `)) });
    const saved = JSON.parse(readFileSync(join(home, ".iron/credentials"), "utf8")) as { panels: Record<string, { api_key: string; key_id: string }> };
    expect(saved.panels[panel.url]).toMatchObject({ api_key: KEY, key_id: KEY_ID });
  });

  it("without a terminal and without --api-key, says how to log in non-interactively (exit 2)", async () => {
    const executable = await cli.executable();
    const run = execFileSync("sh", ["-c", `'${executable}' login </dev/null 2>&1; echo "exit=$?"`], {
      env: { PATH: process.env.PATH ?? "", HOME: tempHome(), NO_COLOR: "1", IRON_API_URL: panel.url },
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });
    expect(run).toContain("there is no terminal to ask on");
    expect(run).toContain("--api-key");
    expect(run).toContain("exit=2");
  });
});
