import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { JWKS_PATH, TOKEN_ISSUER } from "@iron/protocol";
import { buildArtifacts, SEA_NAME } from "../../../services/cli/scripts/build-artifacts.js";
import { startPanelProcess, type PanelProcess } from "../../support/control-panel-process.js";
import { runIron, tempHome } from "../../support/iron-cli.js";
import { stopAll } from "../../support/processes.js";

/**
 * The release artifacts, built by the same code as `npm run build:artifacts` (into a temp dir): the single
 * executable runs against the real panel with no node or node_modules around it, the npm tarball installs
 * offline, and SHA256SUMS checks.
 */

const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, "../../../services/cli/package.json"), "utf8")) as { version: string }).version;
let out: string;
let panel: PanelProcess;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "iron-artifacts-"));
  [panel] = await Promise.all([startPanelProcess(), buildArtifacts(out)]);
}, 300_000);
afterAll(async () => {
  await stopAll();
  rmSync(out, { recursive: true, force: true });
});

describe("release artifacts", () => {
  it("SHA256SUMS lists and checks the bundle, the single executable and the tarball", () => {
    const checked = execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
    expect(checked.trim().split("\n").sort()).toEqual([`iron-cli-${VERSION}.tgz: OK`, `${SEA_NAME}: OK`, "iron.cjs: OK"]);
  });

  it("the single executable runs --version and token generate against the panel, with PATH empty of node", async () => {
    const sea = join(out, SEA_NAME);
    expect(statSync(sea).mode & 0o111).not.toBe(0);
    const env = { PATH: "/nonexistent" };
    const version = await runIron(["--version"], { executable: sea, env });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);

    const res = await fetch(`${panel.url}/api/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${panel.admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "sea test" }),
    });
    const { key } = (await res.json()) as { key: string };
    const home = tempHome();
    const login = await runIron(["login", "--api-key", key, "--api-url", panel.url], { executable: sea, env, home });
    expect(login.code, login.stderr).toBe(0);
    const generated = await runIron(["token", "generate", "--budget", "100"], { executable: sea, env, home });
    expect(generated.code, generated.stderr).toBe(0);
    const token = generated.stdout.trim();
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${panel.url}${JWKS_PATH}`)), { issuer: TOKEN_ISSUER });
    expect(payload.budget_micros).toBe(100_000_000);
    expect(readFileSync(join(home, ".iron/tokens"), "utf8")).toContain(token);
    expect(statSync(join(home, ".iron/tokens")).mode & 0o777).toBe(0o600);
  });

  it("the npm tarball installs offline with no dependencies and gives an `iron` that runs", async () => {
    const prefix = join(out, "prefix");
    execFileSync("npm", ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", join(out, `iron-cli-${VERSION}.tgz`)], { stdio: "pipe" });
    const run = await runIron(["--version"], { executable: join(prefix, "bin", "iron") });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(VERSION);
  });
});
