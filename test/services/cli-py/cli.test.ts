import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { tempHome } from "../../support/iron-cli.js";
import { CLI_PY_VERSION, installIronPy, runIronPy, SUITE_PY_VENVS, venvLabel } from "../../support/iron-cli-py.js";
import type { RunPyOptions } from "../../support/iron-cli-py.js";
import { startScriptedServer, type Answer, type ScriptedServer } from "../../support/scripted-server.js";

/** Help, version, input validation (nothing sent), output formats and ~/.iron edge cases, at a scripted peer. */

const KEY = "iron_sk_cli-py-test-key";
let panel: ScriptedServer;
beforeAll(async () => {
  panel = await startScriptedServer((req): Answer => {
    if (req.path === "/api/auth/me") {
      return { status: 200, body: { user: { id: "7d1e6c1e-6f1e-4c1e-9b1e-0123456789ab", email: "ops@example.com", role: "admin", created_at: "2026-01-01T00:00:00Z", disabled_at: null }, credential: "api_key" } };
    }
    const { budget_micros } = JSON.parse(req.body || "{}") as { budget_micros?: number };
    return { status: 201, body: { id: randomUUID(), token: `t.${randomUUID()}.s`, agent_id: "a", name: null, budget_micros, expires_at: null } };
  });
});
afterAll(() => panel.close());

const env = () => ({ IRON_API_URL: panel.url, IRON_API_KEY: KEY });

describe.each(SUITE_PY_VENVS.map((venv) => [venvLabel(venv), venv] as const))("iron-cli-py on %s", (_label, venv) => {
  const py = (args: string[], options?: RunPyOptions) => runIronPy(venv, args, options);

  describe("help and version", () => {
    it("--help lists the commands, examples, exit codes and environment", async () => {
      const run = await py(["--help"]);
      expect(run.code).toBe(0);
      for (const command of ["login", "logout", "whoami", "status", "token", "usage"]) expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, "m"));
      expect(run.stdout).toContain("Examples:");
      expect(run.stdout).toContain("$ iron-cli-py token generate --budget 100");
      expect(run.stdout).toContain("Exit codes: 0 ok, 1 error, 2 usage, 3 panel unreachable");
      expect(run.stdout).toContain("IRON_API_URL");
    });

    it("every command's --help has examples", async () => {
      const commands = [["login"], ["logout"], ["whoami"], ["status"], ["usage"], ["token"], ["token", "generate"], ["token", "list"], ["token", "show"], ["token", "topup"], ["token", "revoke"]];
      for (const command of commands) {
        const run = await py([...command, "--help"]);
        expect(run.code, command.join(" ")).toBe(0);
        expect(run.stdout, command.join(" ")).toContain("Examples:");
        expect(run.stdout, command.join(" ")).toContain(`$ iron-cli-py ${command.join(" ")}`);
        expect(run.stdout, command.join(" ")).toContain("--json");
      }
      const token = await py(["token", "--help"]);
      for (const sub of ["generate", "list", "show", "topup", "revoke"]) expect(token.stdout).toMatch(new RegExp(`^\\s+${sub}\\s`, "m"));
    });

    it("--version prints 0.1.0", async () => {
      const run = await py(["--version"]);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(CLI_PY_VERSION);
      const { python } = await installIronPy(venv);
      expect(execFileSync(python, ["-m", "iron_cli_py", "--version"], { encoding: "utf8" }).trim()).toBe(CLI_PY_VERSION);
    });
  });

  describe("input validation: exit 2 and nothing sent", () => {
    it.each([["1.0000001"], ["-5"], ["abc"], ["0"], ["1e3"], ["9007199254.740992"]])("--budget %s", async (budget) => {
      const before = panel.requests.length;
      const run = await py(["token", "generate", "--budget", budget], { env: env() });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("--budget");
      expect(panel.requests.length).toBe(before);
    });

    it("the JSON error of a usage error has code, message, hint and exit_code", async () => {
      const run = await py(["token", "generate", "--budget", "abc", "--json"], { env: env() });
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stderr)).toEqual({
        error: { code: "usage", message: expect.stringContaining('"abc" is not an amount'), hint: expect.any(String), exit_code: 2 },
      });
    });

    it.each([
      [["token", "generate", "--budget", "1", "--expires", "6y"], "--expires"],
      [["token", "generate", "--budget", "1", "--agent", "no spaces"], "--agent"],
      [["token", "show", "not-a-uuid"], "is not a token id"],
      [["token", "list", "--status", "sleeping"], "--status"],
      [["token", "list", "--limit", "0"], "--limit"],
      [["usage", "--by", "week"], "--by"],
      [["usage", "--since", "yesterday"], "--since"],
      [["token", "generate"], "--budget"],
      [["token", "frobnicate"], "frobnicate"],
      [["login", "--api-key", "not-an-iron-key"], "keys start with iron_sk_"],
    ])("%j is refused", async (args, says) => {
      const before = panel.requests.length;
      const run = await py(args, { env: env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(says);
      expect(panel.requests.length).toBe(before);
    });

    it("budgets are exact micro-dollars on the wire", async () => {
      for (const [budget, micros] of [["2.50", 2_500_000], ["$0.000001", 1], ["1_000", 1_000_000_000], ["9007199254.740991", 9_007_199_254_740_991]] as const) {
        const before = panel.requests.length;
        const run = await py(["token", "generate", "--budget", budget, "--no-save", "--json"], { env: env() });
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(panel.requests[before]!.body)).toEqual({ budget_micros: micros });
      }
    });
  });

  describe("output formats", () => {
    it("--json, --output yaml and --yaml give the same document, before or after the command", async () => {
      const home = tempHome();
      const login = await py(["login", "--api-key", KEY, "--api-url", panel.url, "--json"], { home });
      expect(login.code, login.stderr).toBe(0);
      const asJson = JSON.parse(login.stdout) as Record<string, unknown>;
      expect(asJson).toMatchObject({ api_url: panel.url, email: "ops@example.com", role: "admin", key_id: null });
      const whoamiJson = await py(["--json", "whoami"], { home });
      const whoamiYaml = await py(["whoami", "--output", "yaml"], { home });
      const whoamiYaml2 = await py(["--yaml", "whoami"], { home });
      expect(parseYaml(whoamiYaml.stdout)).toEqual(JSON.parse(whoamiJson.stdout));
      expect(parseYaml(whoamiYaml2.stdout)).toEqual(JSON.parse(whoamiJson.stdout));
      for (const run of [login, whoamiJson, whoamiYaml, whoamiYaml2]) expect(run.stdout + run.stderr).not.toContain(KEY);
    });

    it("errors in YAML mode are a YAML document on stderr", async () => {
      const run = await py(["token", "show", "nope", "--output", "yaml"], { env: env() });
      expect(run.code).toBe(2);
      expect(parseYaml(run.stderr)).toMatchObject({ error: { code: "usage", exit_code: 2 } });
    });

    it("no colour escapes off a terminal", async () => {
      const run = await py(["token", "generate", "--budget", "1"], { env: { ...env(), NO_COLOR: "" } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toContain("\u001b[");
    });
  });

  describe("~/.iron files", () => {
    it("a lock left by a process that is gone is broken, and the token saved; the file is 0600 in a 0700 dir", async () => {
      const home = tempHome();
      mkdirSync(join(home, ".iron"));
      chmodSync(join(home, ".iron"), 0o755);
      const lock = join(home, ".iron/tokens.lock");
      writeFileSync(lock, "999999999"); // no such pid
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      const run = await py(["token", "generate", "--budget", "1"], { home, env: env() });
      expect(run.code, run.stderr).toBe(0);
      const file = readFileSync(join(home, ".iron/tokens"), "utf8");
      expect(file).toContain(run.stdout.trim());
      expect(file).toBe(`${JSON.stringify(JSON.parse(file), null, 2)}\n`);
      expect(existsSync(lock)).toBe(false);
    });

    it("a damaged tokens file is named in the error, left as it was, and the issued token still printed", async () => {
      const home = tempHome();
      mkdirSync(join(home, ".iron"), { mode: 0o700 });
      writeFileSync(join(home, ".iron/tokens"), "{ not json", { mode: 0o600 });
      const run = await py(["token", "generate", "--budget", "1"], { home, env: env() });
      expect(run.code).toBe(1);
      expect(run.stdout.trim()).toMatch(/^t\..+\.s$/);
      expect(run.stderr).toContain(`${join(home, ".iron/tokens")} is not a file iron can read`);
      expect(readFileSync(join(home, ".iron/tokens"), "utf8")).toBe("{ not json");
    });
  });
});
