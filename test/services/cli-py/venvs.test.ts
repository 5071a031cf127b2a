import { beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { compareVersions, OLDEST_SUPPORTED, supportedInterpreters } from "../../support/python-interpreters.js";
import { parse as parseYaml } from "yaml";
import { savedTokens, tempHome } from "../../support/iron-cli.js";
import { startScriptedServer, tokenCreated } from "../../support/scripted-server.js";
import { ALL_PY_VENVS, CLI_PY_VERSION, installIronPy, runIronPy, venvLabel } from "../../support/iron-cli-py.js";

/**
 * `pip install iron_cli_py-*.whl` as a user runs it, on every supported Python found here, with pip resolving the
 * dependencies: once pinned to the lowest versions the wheel allows, once at the newest; `pip check` clean in both.
 */

const run = promisify(execFile);
const DEPENDENCIES = ["click", "rich", "httpx", "pyyaml"];
const KEY = "iron_sk_venv-test-key";
const withoutTrailingZeros = (version: string) => version.replace(/(\.0)+$/, "");
const minor = (version: string) => version.split(".").slice(0, 2).join(".");

// Made all at once: most of the time is pip waiting on the index, so they overlap well even on two cores.
beforeAll(async () => {
  await Promise.all(ALL_PY_VENVS.map((venv) => installIronPy(venv)));
}, 20 * 60_000);

describe("the interpreters", () => {
  it(`include Python ${OLDEST_SUPPORTED.join(".")}, the oldest the pyproject and the spec allow`, () => {
    const found = supportedInterpreters().map((i) => `${i.version} (${i.source})`);
    console.log(`iron-cli-py is tested on: ${found.join(", ")}`);
    expect(found.some((v) => minor(v) === OLDEST_SUPPORTED.join(".")), `found ${found.join(", ") || "none"}: pyenv install 3.8, or name one in IRON_TEST_PYTHONS`).toBe(true);
  });

  it("include the newest the spec names (3.12)", () => {
    expect(supportedInterpreters().some((i) => minor(i.version) === "3.12"), "no Python 3.12 here: pyenv install 3.12, or name one in IRON_TEST_PYTHONS").toBe(true);
  });
});

describe.each(ALL_PY_VENVS.map((venv) => [venvLabel(venv), venv] as const))("%s", (_label, venv) => {
  it("pip installs the wheel with its dependencies, and pip check is clean", async () => {
    const { pipCommand, installed } = await installIronPy(venv);
    const [command, ...args] = pipCommand as [string, ...string[]];
    const check = await run(command, [...args, "check"]);
    expect(check.stdout.trim()).toBe("No broken requirements found.");
    for (const name of DEPENDENCIES) expect(installed[name], name).toBeDefined();
    expect(installed["iron-cli-py"]).toBe(CLI_PY_VERSION);
    console.log(`${venvLabel(venv)}: ${DEPENDENCIES.map((name) => `${name} ${installed[name]}`).join(", ")}`);
  });

  if (venv.set === "minimum") {
    it("has each dependency at the lowest version the wheel allows on this Python", async () => {
      const { installed, pins } = await installIronPy(venv);
      expect(Object.keys(pins).sort()).toEqual([...DEPENDENCIES].sort());
      // The pins are the pyproject's lower bounds (8.0, 13.0, 0.24, 6.0); 8.0 and 8.0.0 are the same version.
      for (const [name, pinned] of Object.entries(pins)) expect(withoutTrailingZeros(installed[name] ?? "missing"), name).toBe(withoutTrailingZeros(pinned));
      // PyYAML 6.0 does not install on 3.12+ (no wheel, its source does not build): the pyproject says 6.0.1 there.
      expect(pins.pyyaml).toBe(compareVersions(venv.interpreter.version, "3.12") >= 0 ? "6.0.1" : "6.0");
    });
  }

  it("runs: --version, a usage error refused before anything is sent, a token generated at a local peer (as text and YAML)", async () => {
    const version = await runIronPy(venv, ["--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(CLI_PY_VERSION);

    const panel = await startScriptedServer((req) => tokenCreated(req));
    try {
      const env = { IRON_API_URL: panel.url, IRON_API_KEY: KEY };
      const refused = await runIronPy(venv, ["token", "generate", "--budget", "abc", "--json"], { env });
      expect(refused.code).toBe(2);
      expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: "usage", exit_code: 2 } });
      expect(panel.requests).toHaveLength(0);

      const home = tempHome();
      const generated = await runIronPy(venv, ["token", "generate", "--budget", "2.50"], { home, env });
      expect(generated.code, generated.stderr).toBe(0);
      expect(generated.stdout.trim()).toBe("header.payload.signature");
      expect(generated.stderr).toContain("Saved to ~/.iron/tokens");
      expect(savedTokens(home).map((t) => t.token)).toEqual(["header.payload.signature"]);
      const asYaml = await runIronPy(venv, ["token", "generate", "--budget", "1", "--no-save", "--output", "yaml"], { env });
      expect(asYaml.code, asYaml.stderr).toBe(0);
      expect(parseYaml(asYaml.stdout)).toMatchObject({ token: "header.payload.signature", budget_micros: 1_000_000 });
      expect(panel.requests.map((r) => JSON.parse(r.body))).toEqual([{ budget_micros: 2_500_000 }, { budget_micros: 1_000_000 }]);
    } finally {
      await panel.close();
    }
  });
});
