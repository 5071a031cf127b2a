import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { parse as parseYaml } from "yaml";
import { JWKS_PATH, TOKEN_ISSUER } from "@iron/protocol";
import { startPanelProcess, type PanelProcess } from "../../support/control-panel-process.js";
import { jsonOf, runIron, tempHome, type IronResult } from "../../support/iron-cli.js";
import { dependencyVersions, runIronPy } from "../../support/iron-cli-py.js";
import { stopAll } from "../../support/processes.js";

/** iron-cli-py, installed from its wheel, against the real Control Panel (a process on a fresh PostgreSQL database). */

let panel: PanelProcess;
let apiKey: string;

const asAdmin = <T>(method: string, path: string, body?: unknown) => panel.request<T>(method, path, body);

/** A temp HOME logged in to the panel with the admin's API key, by iron-cli-py. */
async function loggedInHome(): Promise<string> {
  const home = tempHome();
  const login = await runIronPy(["login", "--api-key", apiKey, "--api-url", panel.url], { home });
  expect(login.code, login.stderr).toBe(0);
  return home;
}

const mode = (path: string) => statSync(path).mode & 0o777;
const savedTokens = (home: string) => (JSON.parse(readFileSync(join(home, ".iron/tokens"), "utf8")) as { tokens: { id: string; token: string; api_url: string }[] }).tokens;
const verify = (token: string) => jwtVerify(token, createRemoteJWKSet(new URL(`${panel.url}${JWKS_PATH}`)), { issuer: TOKEN_ISSUER });
const noKeyIn = (...runs: IronResult[]) => {
  for (const run of runs) expect(run.stdout + run.stderr).not.toContain(apiKey);
};

beforeAll(async () => {
  panel = await startPanelProcess();
  apiKey = (await asAdmin<{ key: string }>("POST", "/api/keys", { name: "cli-py tests" })).json.key;
  // Which dependency versions this run exercised.
  console.log(`iron-cli-py runs on: ${await dependencyVersions()}`);
});
afterAll(() => stopAll());

describe("iron-cli-py against a real Control Panel", () => {
  it("login --api-key, then token generate --budget 100 saves a 0600 file whose token verifies against the panel's JWKS", async () => {
    const home = tempHome();
    const login = await runIronPy(["login", "--api-key", apiKey, "--api-url", panel.url, "--json"], { home });
    expect(login.code, login.stderr).toBe(0);
    expect(jsonOf(login)).toMatchObject({ api_url: panel.url, role: "admin", key_id: null });
    expect(mode(join(home, ".iron"))).toBe(0o700);
    expect(mode(join(home, ".iron/credentials"))).toBe(0o600);
    expect(readFileSync(join(home, ".iron/credentials"), "utf8")).toContain(apiKey);

    // No --api-url: login saved the panel URL as the default.
    const generated = await runIronPy(["token", "generate", "--budget", "100", "--agent", "researcher", "--name", "nightly", "--expires", "30d"], { home });
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

  it("--budget 2.50 is exactly 2500000 micros on the panel and in the JWT; --no-save leaves the file alone", async () => {
    const home = await loggedInHome();
    const run = await runIronPy(["token", "generate", "--budget", "2.50", "--no-save", "--json"], { home });
    expect(run.code, run.stderr).toBe(0);
    const created = jsonOf<{ id: string; token: string; budget_micros: number; budget_usd: string; saved_to: string | null }>(run);
    expect(created).toMatchObject({ budget_micros: 2_500_000, budget_usd: "2.5", saved_to: null });
    expect((await verify(created.token)).payload.budget_micros).toBe(2_500_000);
    expect((await asAdmin<{ budget_micros: number }>("GET", `/api/tokens/${created.id}`)).json.budget_micros).toBe(2_500_000);
    expect(readdirSync(join(home, ".iron")).sort()).toEqual(["config.json", "credentials"]);
  });

  it("list, show, topup and revoke round-trip through the panel, as JSON, YAML and text", async () => {
    const home = await loggedInHome();
    const created = jsonOf<{ id: string; budget_micros: number }>(await runIronPy(["token", "generate", "--budget", "1.5", "--agent", "round-trip", "--json"], { home }));
    expect(created.budget_micros).toBe(1_500_000);

    const list = await runIronPy(["token", "list", "--agent", "round-trip", "--json"], { home });
    expect(list.code, list.stderr).toBe(0);
    expect(jsonOf<{ items: unknown[]; more: boolean }>(list)).toEqual({ items: [expect.objectContaining({ id: created.id, budget_micros: 1_500_000, status: "active" })], more: false });
    const listYaml = await runIronPy(["token", "list", "--agent", "round-trip", "--output", "yaml"], { home });
    expect(listYaml.code, listYaml.stderr).toBe(0);
    expect(parseYaml(listYaml.stdout)).toEqual(jsonOf(list));
    const table = await runIronPy(["token", "list", "--agent", "round-trip"], { home });
    expect(table.stdout).toMatch(/ID\s+AGENT\s+NAME\s+STATUS\s+BUDGET\s+SPENT\s+REMAINING\s+EXPIRES/);
    expect(table.stdout).toContain(`${created.id}  round-trip`);
    expect(table.stdout).toContain("$1.50");

    const shown = await runIronPy(["token", "show", created.id, "--json"], { home });
    expect(jsonOf(shown)).toMatchObject({ id: created.id, status: "active", budget_micros: 1_500_000, spent_micros: 0, remaining_micros: 1_500_000 });
    const shownYaml = await runIronPy(["--yaml", "token", "show", created.id], { home });
    expect(parseYaml(shownYaml.stdout)).toEqual(jsonOf(shown));
    const shownText = await runIronPy(["token", "show", created.id], { home });
    expect(shownText.stdout).toMatch(/Budget:\s+\$1\.50/);

    const topped = await runIronPy(["token", "topup", created.id, "--budget", "0.25", "--json"], { home });
    expect(topped.code, topped.stderr).toBe(0);
    expect(jsonOf(topped)).toMatchObject({ budget_micros: 1_750_000, added_micros: 250_000 });
    expect((await asAdmin<{ budget_micros: number }>("GET", `/api/tokens/${created.id}`)).json.budget_micros).toBe(1_750_000);

    const revoked = await runIronPy(["token", "revoke", created.id, "-o", "yaml"], { home });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(parseYaml(revoked.stdout)).toMatchObject({ id: created.id, status: "revoked", removed_from_saved_tokens: true });
    expect((await asAdmin<{ status: string }>("GET", `/api/tokens/${created.id}`)).json.status).toBe("revoked");
    expect(savedTokens(home).map((t) => t.id)).not.toContain(created.id);

    const afterRevoke = await runIronPy(["token", "topup", created.id, "--budget", "1"], { home });
    expect(afterRevoke.code).toBe(5);
    expect(afterRevoke.stderr).toContain("revoked");

    const missing = await runIronPy(["token", "show", "00000000-0000-4000-8000-000000000000", "--json"], { home });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { exit_code: 1, hint: expect.stringContaining("iron-cli-py token list") } });
  });

  it("shares ~/.iron with the TypeScript iron both ways", async () => {
    // iron-cli-py logs in and generates; iron lists the saved token and reads it from the panel with the same key.
    const home = await loggedInHome();
    const py = jsonOf<{ id: string; token: string }>(await runIronPy(["token", "generate", "--budget", "3", "--agent", "interop-py", "--json"], { home }));
    const listed = await runIron(["token", "list", "--agent", "interop-py", "--json"], { home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(jsonOf<{ items: { id: string }[] }>(listed).items.map((t) => t.id)).toEqual([py.id]);
    // iron adds its own token to the same file; both entries survive, in the same schema.
    const ts = await runIron(["token", "generate", "--budget", "4", "--agent", "interop-ts", "--json"], { home });
    expect(ts.code, ts.stderr).toBe(0);
    const tsId = jsonOf<{ id: string }>(ts).id;
    expect(savedTokens(home).map((t) => t.id)).toEqual([py.id, tsId]);
    // iron-cli-py revokes iron's token and drops it from the shared file.
    const revoked = await runIronPy(["token", "revoke", tsId, "--json"], { home });
    expect(jsonOf(revoked)).toMatchObject({ removed_from_saved_tokens: true });
    expect(savedTokens(home).map((t) => t.id)).toEqual([py.id]);

    // iron logs in; iron-cli-py uses that key and the default URL iron saved.
    const tsHome = tempHome();
    const tsLogin = await runIron(["login", "--api-key", apiKey, "--api-url", panel.url], { home: tsHome });
    expect(tsLogin.code, tsLogin.stderr).toBe(0);
    const generated = await runIronPy(["token", "generate", "--budget", "5", "--agent", "interop-after-ts-login"], { home: tsHome });
    expect(generated.code, generated.stderr).toBe(0);
    expect((await verify(generated.stdout.trim())).payload.budget_micros).toBe(5_000_000);
    const whoami = await runIronPy(["whoami", "--json"], { home: tsHome });
    expect(jsonOf(whoami)).toMatchObject({ api_url: panel.url, key_from: "credentials file", user: { role: "admin" } });
    // The bytes iron-cli-py wrote are the bytes iron would write: iron rewrites the file to the same layout.
    const before = readFileSync(join(tsHome, ".iron/tokens"), "utf8");
    expect(before).toBe(`${JSON.stringify(JSON.parse(before), null, 2)}\n`);
    const tsList = await runIron(["token", "list", "--agent", "interop-after-ts-login", "--json"], { home: tsHome });
    expect(jsonOf<{ items: unknown[] }>(tsList).items).toHaveLength(1);
    noKeyIn(tsLogin, generated, whoami, revoked);
  });

  it("concurrent generates from several processes (both CLIs) lose no entry in ~/.iron/tokens", async () => {
    const home = await loggedInHome();
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? runIron : runIronPy)(["token", "generate", "--budget", "1", "--agent", `parallel-${i}`, "--json"], { home })),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const ids = runs.map((r) => jsonOf<{ id: string }>(r).id).sort();
    expect(new Set(ids).size).toBe(12);
    expect(savedTokens(home).map((t) => t.id).sort()).toEqual(ids);
    // No lock or temp file is left behind.
    expect(readdirSync(join(home, ".iron")).sort()).toEqual(["config.json", "credentials", "tokens"]);
  });

  it("login with email and password creates an API key; whoami, status and usage answer; logout revokes the key", async () => {
    const email = `py-${Date.now()}@example.com`;
    const password = "a long enough password";
    expect((await asAdmin("POST", "/api/users", { email, password, role: "user" })).status).toBe(201);
    const home = tempHome();
    const login = await runIronPy(["login", "--email", email, "--password-stdin", "--api-url", panel.url, "--json"], { home, input: `${password}\n` });
    expect(login.code, login.stderr).toBe(0);
    const { key_id: keyId } = jsonOf<{ key_id: string }>(login);
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(login.stdout + login.stderr).not.toContain(password);
    const credentials = JSON.parse(readFileSync(join(home, ".iron/credentials"), "utf8")) as { version: number; panels: Record<string, { api_key: string; key_id: string; email: string }> };
    expect(credentials.version).toBe(1);
    expect(credentials.panels[panel.url]).toMatchObject({ key_id: keyId, email });
    const savedKey = credentials.panels[panel.url]!.api_key;

    const whoami = await runIronPy(["whoami"], { home });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(new RegExp(`Email:\\s+${email}`));
    expect(whoami.stdout).toMatch(/Role:\s+user/);

    const status = await runIronPy(["status", "--json"], { home });
    expect(status.code, status.stderr).toBe(0);
    expect(jsonOf(status)).toMatchObject({ api_url: panel.url, health: "ok", ready: true, version: { name: "@iron/control-panel" } });

    const usage = await runIronPy(["usage", "--since", "7d", "--by", "day", "--json"], { home });
    expect(usage.code, usage.stderr).toBe(0);
    expect(jsonOf(usage)).toMatchObject({ group_by: "day", rows: [], total: { llm_calls: 0, cost_micros: 0 } });
    const usageText = await runIronPy(["usage"], { home });
    expect(usageText.stdout).toContain(`Usage on ${panel.url}`);

    const logout = await runIronPy(["logout", "--json"], { home });
    expect(logout.code, logout.stderr).toBe(0);
    expect(jsonOf(logout)).toMatchObject({ logged_out: true, revoked_key_id: keyId });
    const me = await fetch(`${panel.url}/api/auth/me`, { headers: { authorization: `Bearer ${savedKey}` } });
    expect(me.status).toBe(401);
    const after = await runIronPy(["whoami"], { home });
    expect(after.code).toBe(4);
    expect(after.stderr).toContain("not logged in");
    for (const run of [login, whoami, status, usage, usageText, logout, after]) expect(run.stdout + run.stderr).not.toContain(savedKey);
  });

  it("a revoked or unknown key is exit 4, without showing the key", async () => {
    const home = tempHome();
    const bogus = "iron_sk_not-a-key-the-panel-knows-aaaaaaaaaaaaaaaaaaaaa";
    const run = await runIronPy(["login", "--api-key", bogus, "--api-url", panel.url], { home });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("did not accept the credential");
    expect(run.stdout + run.stderr).not.toContain(bogus);
  });
});
