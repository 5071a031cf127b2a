import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CLIS } from "../../support/clis.js";
import { startPanelProcess, type PanelProcess } from "../../support/control-panel-process.js";
import { jsonOf, savedTokens, tempHome, verifyPanelToken, type IronResult } from "../../support/iron-cli.js";
import { stopAll } from "../../support/processes.js";

/** Both CLIs against the real Control Panel (a process on a fresh PostgreSQL database), as a user runs them. */

let panel: PanelProcess;
let apiKey: string;

const asAdmin = <T>(method: string, path: string, body?: unknown, bearer?: string) => panel.request<T>(method, path, body, bearer);
const mode = (path: string) => statSync(path).mode & 0o777;
const verify = (token: string) => verifyPanelToken(panel.url, token);
const noKeyIn = (...runs: IronResult[]) => {
  for (const run of runs) expect(run.stdout + run.stderr).not.toContain(apiKey);
};

beforeAll(async () => {
  panel = await startPanelProcess();
  apiKey = (await asAdmin<{ key: string }>("POST", "/api/keys", { name: "cli tests" })).json.key;
});
afterAll(() => stopAll());

describe.each(CLIS.map((cli) => [cli.label, cli] as const))("%s against a real Control Panel", (label, cli) => {
  /** A temp HOME logged in to the panel with the admin's API key. */
  async function loggedInHome(): Promise<string> {
    const home = tempHome();
    const login = await cli.run(["login", "--api-key", apiKey, "--api-url", panel.url], { home });
    expect(login.code, login.stderr).toBe(0);
    return home;
  }
  const agent = (name: string) => `${name}-${cli.command}-${CLIS.indexOf(cli)}`;

  it("login --api-key, then token generate --budget 100 saves a 0600 file whose token verifies against the panel's JWKS", async () => {
    const home = tempHome();
    const login = await cli.run(["login", "--api-key", apiKey, "--api-url", panel.url, "--json"], { home });
    expect(login.code, login.stderr).toBe(0);
    expect(jsonOf(login)).toMatchObject({ api_url: panel.url, role: "admin" });
    expect(mode(join(home, ".iron"))).toBe(0o700);
    expect(mode(join(home, ".iron/credentials"))).toBe(0o600);
    expect(readFileSync(join(home, ".iron/credentials"), "utf8")).toContain(apiKey);

    // No --api-url: login saved the panel URL as the default.
    const generated = await cli.run(["token", "generate", "--budget", "100", "--agent", "researcher", "--name", "nightly", "--expires", "30d"], { home });
    expect(generated.code, generated.stderr).toBe(0);
    const token = generated.stdout.trim();
    expect(token.split(".")).toHaveLength(3);
    expect(generated.stderr).toContain("Saved to ~/.iron/tokens");
    noKeyIn(login, generated);

    expect(mode(join(home, ".iron/tokens"))).toBe(0o600);
    const saved = savedTokens(home);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ token, api_url: panel.url, agent_id: "researcher", name: "nightly", budget_micros: 100_000_000 });

    const { payload } = await verify(token);
    expect(payload.budget_micros).toBe(100_000_000);
    expect(payload.sub).toBe("researcher");
    expect(payload.jti).toBe(saved[0]!.id);
    expect(payload.exp! - payload.iat!).toBeGreaterThanOrEqual(30 * 86400 - 5);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(30 * 86400 + 5);
  });

  it("list, show, topup and revoke round-trip through the panel", async () => {
    const home = await loggedInHome();
    const roundTrip = agent("round-trip");
    const created = jsonOf<{ id: string; budget_micros: number }>(await cli.run(["token", "generate", "--budget", "1.5", "--agent", roundTrip, "--json"], { home }));
    expect(created.budget_micros).toBe(1_500_000);

    const list = await cli.run(["token", "list", "--agent", roundTrip, "--json"], { home });
    expect(list.code, list.stderr).toBe(0);
    expect(jsonOf<{ items: unknown[] }>(list).items).toEqual([expect.objectContaining({ id: created.id, budget_micros: 1_500_000, status: "active" })]);
    const table = await cli.run(["token", "list", "--agent", roundTrip], { home });
    expect(table.stdout).toMatch(/ID\s+AGENT\s+NAME\s+STATUS\s+BUDGET/);
    expect(table.stdout).toContain(`${created.id}  ${roundTrip}`);

    const shown = await cli.run(["token", "show", created.id, "--json"], { home });
    expect(jsonOf(shown)).toMatchObject({ id: created.id, status: "active", budget_micros: 1_500_000, spent_micros: 0 });

    const topped = await cli.run(["token", "topup", created.id, "--budget", "0.25", "--json"], { home });
    expect(topped.code, topped.stderr).toBe(0);
    expect(jsonOf(topped)).toMatchObject({ budget_micros: 1_750_000, added_micros: 250_000 });
    expect((await asAdmin<{ budget_micros: number }>("GET", `/api/tokens/${created.id}`)).json.budget_micros).toBe(1_750_000);

    const revoked = await cli.run(["token", "revoke", created.id], { home });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain("Revoked");
    expect((await asAdmin<{ status: string }>("GET", `/api/tokens/${created.id}`)).json.status).toBe("revoked");
    expect(savedTokens(home).map((t) => t.id)).not.toContain(created.id);

    const afterRevoke = await cli.run(["token", "topup", created.id, "--budget", "1"], { home });
    expect(afterRevoke.code).toBe(5);
    expect(afterRevoke.stderr).toContain("revoked");

    const missing = await cli.run(["token", "show", "00000000-0000-4000-8000-000000000000"], { home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${cli.command} token list`);
  });

  it("12 concurrent token generate runs leave 12 entries in ~/.iron/tokens", async () => {
    const home = await loggedInHome();
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => cli.run(["token", "generate", "--budget", "1", "--agent", `parallel-${i}`, "--json"], { home })));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const ids = runs.map((r) => jsonOf<{ id: string }>(r).id).sort();
    expect(new Set(ids).size).toBe(12);
    expect(savedTokens(home).map((t) => t.id).sort()).toEqual(ids);
    // No lock or temp file is left behind.
    expect(readdirSync(join(home, ".iron")).sort()).toEqual(["config.json", "credentials", "tokens"]);
  });

  it("a token that cannot be saved is still printed once, with exit 1 and the reason", async () => {
    const home = await loggedInHome();
    mkdirSync(join(home, ".iron/tokens")); // a directory where the file should be
    const run = await cli.run(["token", "generate", "--budget", "3"], { home });
    expect(run.code).toBe(1);
    const { payload } = await verify(run.stdout.trim());
    expect(payload.budget_micros).toBe(3_000_000);
    expect(run.stderr).toContain(`the token was issued (printed above) but could not be saved in ${join(home, ".iron/tokens")}`);
  });

  it("login with email and --password-stdin creates a key; whoami, status and usage answer; logout revokes the key", async () => {
    const email = `${cli.command}-${CLIS.indexOf(cli)}-${Date.now()}@example.com`;
    const password = "a long enough password";
    expect((await asAdmin("POST", "/api/users", { email, password, role: "user" })).status).toBe(201);

    const wrong = await cli.run(["login", "--email", email, "--password-stdin", "--api-url", panel.url], { input: "not the password\n" });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain(panel.url);

    const home = tempHome();
    const login = await cli.run(["login", "--email", email, "--password-stdin", "--api-url", panel.url, "--json"], { home, input: `${password}\n` });
    expect(login.code, login.stderr).toBe(0);
    const { key_id: keyId } = jsonOf<{ key_id: string }>(login);
    expect(jsonOf(login)).toMatchObject({ email, role: "user", key_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(login.stdout + login.stderr).not.toContain(password);
    const credentials = JSON.parse(readFileSync(join(home, ".iron/credentials"), "utf8")) as { version: number; panels: Record<string, { api_key: string; key_id: string; email: string }> };
    expect(credentials.version).toBe(1);
    expect(credentials.panels[panel.url]).toMatchObject({ key_id: keyId, email });
    const savedKey = credentials.panels[panel.url]!.api_key;
    expect((await asAdmin("GET", "/api/auth/me", undefined, savedKey)).status).toBe(200);

    const whoami = await cli.run(["whoami", "--json"], { home });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(jsonOf(whoami)).toMatchObject({ api_url: panel.url, user: { email, role: "user" }, credential: "api_key" });

    const status = await cli.run(["status"], { home });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Health:\s+ok/);
    expect(status.stdout).toContain("@iron/control-panel");
    expect(jsonOf(await cli.run(["status", "--json"], { home }))).toMatchObject({ health: "ok", ready: true, version: { name: "@iron/control-panel" } });

    const usage = await cli.run(["usage", "--since", "7d", "--by", "day", "--json"], { home });
    expect(usage.code, usage.stderr).toBe(0);
    expect(jsonOf(usage)).toMatchObject({ group_by: "day", rows: [] });

    const logout = await cli.run(["logout", "--json"], { home });
    expect(logout.code, logout.stderr).toBe(0);
    expect(jsonOf(logout)).toMatchObject({ logged_out: true, revoked_key_id: keyId });
    expect((await asAdmin("GET", "/api/auth/me", undefined, savedKey)).status).toBe(401);
    const after = await cli.run(["whoami"], { home });
    expect(after.code).toBe(4);
    expect(after.stderr).toContain(`not logged in to the Control Panel at ${panel.url}`);
    expect(after.stderr).toContain(`${cli.command} login`);
    for (const run of [login, whoami, status, usage, logout, after]) expect(run.stdout + run.stderr, label).not.toContain(savedKey);
  });

  it("IRON_API_URL and IRON_API_KEY work without login; an unknown key is exit 4, without showing it", async () => {
    const env = { IRON_API_URL: panel.url, IRON_API_KEY: apiKey };
    const issued = await asAdmin<{ id: string }>("POST", "/api/tokens", { budget_micros: 1_000_000, agent_id: agent("env-only") });
    const list = await cli.run(["token", "list", "--agent", agent("env-only"), "--json"], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(jsonOf<{ items: { id: string }[] }>(list).items.map((t) => t.id)).toEqual([issued.json.id]);
    noKeyIn(list);

    const bogus = "iron_sk_not-a-key-the-panel-knows-aaaaaaaaaaaaaaaaaaaaa";
    const bad = await cli.run(["token", "list"], { env: { ...env, IRON_API_KEY: bogus } });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(`the Control Panel at ${panel.url}/api/tokens`);
    expect(bad.stderr).toContain("did not accept the credential");
    expect(bad.stderr).toContain(`${cli.command} login`);
    const login = await cli.run(["login", "--api-key", bogus, "--api-url", panel.url]);
    expect(login.code).toBe(4);
    for (const run of [bad, login]) expect(run.stdout + run.stderr).not.toContain(bogus);
  });
});
