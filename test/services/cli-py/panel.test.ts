import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { startPanelProcess, type PanelProcess } from "../../support/control-panel-process.js";
import { jsonOf, runIron, savedTokens, tempHome, verifyPanelToken, type IronResult } from "../../support/iron-cli.js";
import { dependencyVersions, runIronPy, SUITE_PY_VENVS, venvLabel, type RunPyOptions } from "../../support/iron-cli-py.js";
import { stopAll } from "../../support/processes.js";

/**
 * What only iron-cli-py does, against the real Control Panel: YAML output, exact --no-save budgets, and ~/.iron shared
 * with the TypeScript iron. What both CLIs do is in test/services/clis/.
 */

let panel: PanelProcess;
let apiKey: string;

const asAdmin = <T>(method: string, path: string, body?: unknown) => panel.request<T>(method, path, body);
const verify = (token: string) => verifyPanelToken(panel.url, token);
const noKeyIn = (...runs: IronResult[]) => {
  for (const run of runs) expect(run.stdout + run.stderr).not.toContain(apiKey);
};

beforeAll(async () => {
  panel = await startPanelProcess();
  apiKey = (await asAdmin<{ key: string }>("POST", "/api/keys", { name: "cli-py tests" })).json.key;
});
afterAll(() => stopAll());

describe.each(SUITE_PY_VENVS.map((venv, index) => [venvLabel(venv), venv, index] as const))("iron-cli-py on %s against a real Control Panel", (_label, venv, index) => {
  const py = (args: string[], options?: RunPyOptions) => runIronPy(venv, args, options);
  const agent = (name: string) => `${name}-${index}`;

  /** A temp HOME logged in to the panel with the admin's API key, by iron-cli-py. */
  async function loggedInHome(): Promise<string> {
    const home = tempHome();
    const login = await py(["login", "--api-key", apiKey, "--api-url", panel.url], { home });
    expect(login.code, login.stderr).toBe(0);
    return home;
  }

  beforeAll(async () => {
    console.log(`iron-cli-py runs on: ${await dependencyVersions(venv)}`); // which versions this block exercised
  });

  it("--budget 2.50 is exactly 2500000 micros on the panel and in the JWT; --no-save leaves the file alone", async () => {
    const home = await loggedInHome();
    const run = await py(["token", "generate", "--budget", "2.50", "--no-save", "--json"], { home });
    expect(run.code, run.stderr).toBe(0);
    const created = jsonOf<{ id: string; token: string; budget_micros: number; budget_usd: string; saved_to: string | null }>(run);
    expect(created).toMatchObject({ budget_micros: 2_500_000, budget_usd: "2.5", saved_to: null });
    expect((await verify(created.token)).payload.budget_micros).toBe(2_500_000);
    expect((await asAdmin<{ budget_micros: number }>("GET", `/api/tokens/${created.id}`)).json.budget_micros).toBe(2_500_000);
    expect(readdirSync(join(home, ".iron")).sort()).toEqual(["config.json", "credentials"]);
  });

  it("list, show and revoke answer the same document as YAML as as JSON; tables show dollars", async () => {
    const home = await loggedInHome();
    const yamlAgent = agent("yaml");
    const created = jsonOf<{ id: string }>(await py(["token", "generate", "--budget", "1.5", "--agent", yamlAgent, "--json"], { home }));

    const list = await py(["token", "list", "--agent", yamlAgent, "--json"], { home });
    expect(jsonOf(list)).toEqual({ items: [expect.objectContaining({ id: created.id, budget_micros: 1_500_000, status: "active" })], more: false });
    const listYaml = await py(["token", "list", "--agent", yamlAgent, "--output", "yaml"], { home });
    expect(listYaml.code, listYaml.stderr).toBe(0);
    expect(parseYaml(listYaml.stdout)).toEqual(jsonOf(list));
    const table = await py(["token", "list", "--agent", yamlAgent], { home });
    expect(table.stdout).toMatch(/ID\s+AGENT\s+NAME\s+STATUS\s+BUDGET\s+SPENT\s+REMAINING\s+EXPIRES/);
    expect(table.stdout).toContain("$1.50");

    const shown = await py(["token", "show", created.id, "--json"], { home });
    expect(jsonOf(shown)).toMatchObject({ remaining_micros: 1_500_000 });
    const shownYaml = await py(["--yaml", "token", "show", created.id], { home });
    expect(parseYaml(shownYaml.stdout)).toEqual(jsonOf(shown));
    expect((await py(["token", "show", created.id], { home })).stdout).toMatch(/Budget:\s+\$1\.50/);

    const revoked = await py(["token", "revoke", created.id, "-o", "yaml"], { home });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(parseYaml(revoked.stdout)).toMatchObject({ id: created.id, status: "revoked", removed_from_saved_tokens: true });

    const missing = await py(["token", "show", "00000000-0000-4000-8000-000000000000", "--json"], { home });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { exit_code: 1, hint: expect.stringContaining("iron-cli-py token list") } });
  });

  it("shares ~/.iron with the TypeScript iron both ways", async () => {
    // iron-cli-py logs in and generates; iron lists the saved token and reads it from the panel with the same key.
    const home = await loggedInHome();
    const pyAgent = agent("interop-py");
    const pyToken = jsonOf<{ id: string; token: string }>(await py(["token", "generate", "--budget", "3", "--agent", pyAgent, "--json"], { home }));
    const listed = await runIron(["token", "list", "--agent", pyAgent, "--json"], { home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(jsonOf<{ items: { id: string }[] }>(listed).items.map((t) => t.id)).toEqual([pyToken.id]);
    // iron adds its own token to the same file; both entries survive, in the same schema.
    const ts = await runIron(["token", "generate", "--budget", "4", "--agent", agent("interop-ts"), "--json"], { home });
    expect(ts.code, ts.stderr).toBe(0);
    const tsId = jsonOf<{ id: string }>(ts).id;
    expect(savedTokens(home).map((t) => t.id)).toEqual([pyToken.id, tsId]);
    // iron-cli-py revokes iron's token and drops it from the shared file.
    const revoked = await py(["token", "revoke", tsId, "--json"], { home });
    expect(jsonOf(revoked)).toMatchObject({ removed_from_saved_tokens: true });
    expect(savedTokens(home).map((t) => t.id)).toEqual([pyToken.id]);

    // iron logs in; iron-cli-py uses that key and the default URL iron saved.
    const tsHome = tempHome();
    const tsLogin = await runIron(["login", "--api-key", apiKey, "--api-url", panel.url], { home: tsHome });
    expect(tsLogin.code, tsLogin.stderr).toBe(0);
    const afterTsLogin = agent("interop-after-ts-login");
    const generated = await py(["token", "generate", "--budget", "5", "--agent", afterTsLogin], { home: tsHome });
    expect(generated.code, generated.stderr).toBe(0);
    expect((await verify(generated.stdout.trim())).payload.budget_micros).toBe(5_000_000);
    const whoami = await py(["whoami", "--json"], { home: tsHome });
    expect(jsonOf(whoami)).toMatchObject({ api_url: panel.url, key_from: "credentials file", user: { role: "admin" } });
    // The bytes iron-cli-py wrote are the bytes iron would write: iron rewrites the file to the same layout.
    const before = readFileSync(join(tsHome, ".iron/tokens"), "utf8");
    expect(before).toBe(`${JSON.stringify(JSON.parse(before), null, 2)}\n`);
    const tsList = await runIron(["token", "list", "--agent", afterTsLogin, "--json"], { home: tsHome });
    expect(jsonOf<{ items: unknown[] }>(tsList).items).toHaveLength(1);
    noKeyIn(tsLogin, generated, whoami, revoked);
  });

  it("concurrent generates from several processes of both CLIs lose no entry in ~/.iron/tokens", async () => {
    const home = await loggedInHome();
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const args = ["token", "generate", "--budget", "1", "--agent", `parallel-${i}`, "--json"];
        return i % 3 === 2 ? runIron(args, { home }) : py(args, { home });
      }),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const ids = runs.map((r) => jsonOf<{ id: string }>(r).id).sort();
    expect(new Set(ids).size).toBe(12);
    expect(savedTokens(home).map((t) => t.id).sort()).toEqual(ids);
    // No lock or temp file is left behind.
    expect(readdirSync(join(home, ".iron")).sort()).toEqual(["config.json", "credentials", "tokens"]);
  });
});
