/**
 * `verify-deps postflight` against a real running platform (the pilot: panel, runtime and site on 127.0.0.1,
 * embedded PostgreSQL, a fake LLM upstream): every check passes; then each way of breaking it fails its line
 * with a hint and exit 1: wrong admin password, a tampered download, the runtime's token revoked, the panel stopped.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeChecksums } from "../../services/cli/scripts/build-artifacts.js";
import type { Check } from "../../scripts/preflight/checks.js";
import { startFakeLlm, type FakeLlm } from "../support/fake-llm.js";
import { pilotGone, pilotPorts, startPilot, stopLeftoversOn, type RunningPilot } from "../support/pilot-process.js";
import { stopAll } from "../support/processes.js";
import { repoRoot } from "../support/pulumi-mocks.js";

interface PostflightJson {
  checks: Check[];
  summary: { ok: number; warn: number; fail: number };
}

const parent = mkdtempSync(join(tmpdir(), "iron-postflight-"));
// As root the pilot's PostgreSQL runs as the `postgres` user, which must reach the data dir.
chmodSync(parent, 0o755);
const dataDir = join(parent, "data");
const downloadsDir = join(parent, "downloads");

/** Runs postflight as a user would (a process; async, so the fake upstream in this process keeps answering). */
async function postflight(outputs: Record<string, unknown>, extra: string[] = []): Promise<{ code: number; report: PostflightJson }> {
  const file = join(parent, `outputs-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(outputs));
  const args = ["--import", "tsx", "scripts/verify-deps.ts", "postflight", "--stack", "full-platform", "--outputs", file, ...extra];
  const { code, stdout } = await run(args);
  return { code, report: JSON.parse(stdout) as PostflightJson };
}

function run(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot, encoding: "utf8" }, (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }));
  });
}

const byId = (report: PostflightJson, id: string) => report.checks.filter((c) => c.id === id);

describe("postflight against a running pilot", () => {
  let fake: FakeLlm;
  let pilot: RunningPilot;
  let outputs: Record<string, unknown>;

  beforeAll(async () => {
    mkdirSync(downloadsDir);
    writeFileSync(join(downloadsDir, "iron-linux-x64"), "#!/bin/sh\necho iron\n");
    writeFileSync(join(downloadsDir, "iron_cli-0.1.0-py3-none-any.whl"), "a wheel's bytes");
    await writeChecksums(downloadsDir);
    fake = await startFakeLlm();
    pilot = await startPilot(dataDir, await pilotPorts(), {
      IRON_PILOT_DOWNLOADS_DIR: downloadsDir, IRON_OPENAI_BASE_URL: fake.openaiBaseUrl, OPENAI_API_KEY: "sk-fake-provider-key",
    });
    // What `pulumi stack output --json --show-secrets` prints for a pilot-mode full-platform stack.
    outputs = {
      strategy: "full", target: "docker", mode: "pilot",
      packages: ["control-panel", "marketing-site", "agent-runtime", "sandbox", "cli", "cli-py"],
      controlPanelUrl: pilot.panelUrl, siteUrl: pilot.siteUrl, downloadsUrl: `${pilot.siteUrl}/downloads/`, runtimeUrl: pilot.runtimeUrl,
      sandboxNodes: [], adminEmail: pilot.admin!.email, adminPassword: pilot.admin!.password,
    };
  });

  afterAll(async () => {
    await stopAll();
    await stopLeftoversOn(dataDir);
    await fake?.close();
    rmSync(parent, { recursive: true, force: true, maxRetries: 10 });
  });

  it("passes every check of a working platform, including one priced call", async () => {
    const { code, report } = await postflight(outputs, ["--call-model", "gpt-4o-mini", "--json"]);
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(code).toBe(0);
    expect(report.checks.map((c) => c.id)).toEqual([
      "panel-ready", "panel-schema", "panel-login", "panel-token", "site", "runtime-status", "runtime-token", "runtime-call", "sandbox", "downloads",
    ]);
    expect(byId(report, "panel-token")[0]!.found).toMatch(/issued \(\$0\.01\), signature verified, revoked/);
    expect(byId(report, "runtime-status")[0]!.found).toMatch(/active, verified by panel-jwks.*telemetry enabled/);
    expect(byId(report, "downloads")[0]!.found).toMatch(/^2 files under .* match$/);
    expect(byId(report, "sandbox")[0]).toMatchObject({ status: "warn", found: "pilot mode runs no sandbox nodes" });
    expect(fake.totalHits()).toBe(1);
  });

  it("prints one line per check and a summary without --json (no call: it spends only with --call-model)", async () => {
    const file = join(parent, "outputs.json");
    writeFileSync(file, JSON.stringify(outputs));
    const { code, stdout } = await run(["--import", "tsx", "scripts/verify-deps.ts", "postflight", "--stack", "full-platform", "--outputs", file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Postflight for stack full-platform \(target docker, mode pilot; packages: control-panel, /);
    expect(stdout).toMatch(/^ok +Control Panel ready +found /m);
    expect(stdout).not.toContain("priced call");
    expect(stdout).toMatch(/\n8 ok, 1 warn, 0 fail\n$/);
    expect(fake.totalHits()).toBe(1);
  });

  it("fails admin sign-in with a wrong password, with its hint", async () => {
    const { code, report } = await postflight({ ...outputs, adminPassword: "not-the-password" }, ["--json"]);
    expect(code).toBe(1);
    expect(byId(report, "panel-login")[0]).toMatchObject({ status: "fail", hint: expect.stringContaining("no longer signs admin@iron.local in") });
    expect(byId(report, "panel-token")[0]).toMatchObject({ status: "fail", found: "not checked: no admin session" });
    // Outputs saved without --show-secrets: say so instead of blaming the password.
    const masked = await postflight({ ...outputs, adminPassword: "[secret]" }, ["--json"]);
    expect(masked.code).toBe(1);
    expect(byId(masked.report, "panel-login")[0]).toMatchObject({ status: "fail", hint: expect.stringContaining("--show-secrets") });
  });

  it("fails the downloads line on a tampered file, naming it", async () => {
    const target = join(downloadsDir, "iron-linux-x64");
    writeFileSync(target, "#!/bin/sh\necho something else\n");
    try {
      const { code, report } = await postflight(outputs, ["--json"]);
      expect(code).toBe(1);
      const [downloads] = byId(report, "downloads");
      expect(downloads).toMatchObject({ status: "fail", hint: expect.stringContaining("a stale or altered file") });
      expect(downloads!.found).toMatch(/^iron-linux-x64 has sha256 [0-9a-f]{12}…, SHA256SUMS says [0-9a-f]{12}…$/);
      expect(report.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["downloads"]);
    } finally {
      writeFileSync(target, "#!/bin/sh\necho iron\n");
    }
  });

  it("fails the runtime's token line once the panel revoked that token", async () => {
    const login = await fetch(`${pilot.panelUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(pilot.admin) });
    const { access_token } = (await login.json()) as { access_token: string };
    const { token } = (await (await fetch(`${pilot.runtimeUrl}/status`)).json()) as { token: { id: string } };
    const revoked = await fetch(`${pilot.panelUrl}/api/tokens/${token.id}`, { method: "DELETE", headers: { authorization: `Bearer ${access_token}` } });
    expect(revoked.status).toBe(200);

    const { code, report } = await postflight(outputs, ["--json"]);
    expect(code).toBe(1);
    const [line] = byId(report, "runtime-token");
    expect(line).toMatchObject({ status: "fail", hint: expect.stringContaining("pulumi config set --secret iron:agentToken") });
    expect(line!.found).toContain(`token ${token.id} (agent pilot-agent): revoked`);
  });

  it("fails the panel's lines once the panel is stopped, saying where to look", async () => {
    process.kill(-pilot.process.child.pid!, "SIGTERM");
    await pilot.process.exited;
    await pilotGone(pilot);
    const { code, report } = await postflight(outputs, ["--json"]);
    expect(code).toBe(1);
    expect(byId(report, "panel-ready")[0]).toMatchObject({ status: "fail", found: expect.stringContaining("ECONNREFUSED"), hint: expect.stringContaining("is the panel running?") });
    expect(byId(report, "panel-login")[0]!.status).toBe("fail");
  });
});
