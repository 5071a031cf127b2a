import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IRON_BIN, loginOnTerminal, tempHome } from "../../support/iron-cli.js";
import { startScriptedServer, type Answer, type ScriptedServer } from "../../support/scripted-server.js";

/** `iron login` asks for email and password on a terminal (a real pty via util-linux `script`) and never echoes the password. */

const PASSWORD = "typed-secret-password";
const KEY = `iron_sk_${"k".repeat(43)}`;
let panel: ScriptedServer;
beforeAll(async () => {
  panel = await startScriptedServer((req): Answer => {
    const user = { id: randomUUID(), email: "ops@example.com", role: "admin", created_at: "2026-01-01T00:00:00Z", disabled_at: null };
    if (req.path === "/api/auth/login") return { status: 200, body: { access_token: "access.jwt.here", token_type: "Bearer", expires_in: 900 } };
    if (req.path === "/api/keys") return { status: 201, body: { id: randomUUID(), key: KEY, name: "iron cli", prefix: KEY.slice(0, 12), created_at: "2026-01-01T00:00:00Z" } };
    return { status: 200, body: { user, credential: "api_key" } };
  });
});
afterAll(() => panel.close());

describe("interactive login", () => {
  it("asks for the email, then the password without echoing it, and saves the created key", async () => {
    const home = tempHome();
    const { code, screen } = await loginOnTerminal(IRON_BIN, { home, apiUrl: panel.url, email: "ops@example.com", password: PASSWORD });
    expect(code).toBe(0);

    expect(screen).toContain("ops@example.com"); // the email is echoed
    expect(screen).not.toContain(PASSWORD);
    const login = panel.requests.find((r) => r.path === "/api/auth/login");
    expect(JSON.parse(login!.body)).toEqual({ email: "ops@example.com", password: PASSWORD });
    expect(panel.requests.find((r) => r.path === "/api/keys")!.headers.authorization).toBe("Bearer access.jwt.here");
    const saved = JSON.parse(readFileSync(join(home, ".iron/credentials"), "utf8")) as { panels: Record<string, { api_key: string }> };
    expect(saved.panels[panel.url]!.api_key).toBe(KEY);
  });
});
