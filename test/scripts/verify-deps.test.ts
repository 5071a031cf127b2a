/** verify-deps as a user runs it, and its probes for real on this machine. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { PACKAGE_IDS, dependency } from "../../infra/catalog.js";
import {
  probeArtifacts, probeControlPanel, probeGlibc, probeLandlock, probeLibseccomp, probePostgres, probeRedis, redact,
} from "../../scripts/preflight/probes.js";
import { satisfies } from "../../scripts/preflight/versions.js";
import { freePort } from "../support/ports.js";
import { redisAvailable, startRedis, type RedisServer } from "../support/redis.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

async function verifyDeps(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/verify-deps.ts", ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}


async function makeStacksDir(files: Record<string, string>): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), "iron-stacks-")), "stacks");
  await run("mkdir", ["-p", dir]);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, `Pulumi.${name}.yaml`), body);
  return dir;
}

describe("verify-deps matrix", () => {
  it("--json reproduces every cell, the independence summary and the install order", async () => {
    const { code, stdout } = await verifyDeps("matrix", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { matrix: Record<string, Record<string, string>>; independent: string[]; dependent: string[]; installOrder: string[] };
    for (const from of PACKAGE_IDS) for (const to of PACKAGE_IDS) expect(report.matrix[from]![to]).toBe(from === to ? "none" : dependency(from, to));
    expect(report.matrix.cli!["control-panel"]).toBe("required");
    expect(report.matrix["cli-py"]!["control-panel"]).toBe("required");
    expect(report.matrix["agent-runtime"]!["control-panel"]).toBe("optional");
    expect(report.independent).toHaveLength(4);
    expect(report.dependent).toEqual(["cli", "cli-py"]);
    expect(report.installOrder).toEqual(["control-panel", "marketing-site", "agent-runtime", "sandbox", "cli", "cli-py"]);
  });

  it("prints the table for people", async () => {
    const { stdout } = await verifyDeps("matrix");
    expect(stdout).toContain("Independent (4): Control Panel, Marketing Site, Agent Runtime, Sandbox");
    expect(stdout).toContain("Install order: Control Panel → Marketing Site → Agent Runtime → Sandbox → CLI Tool → Python CLI");
  });
});

describe("verify-deps preflight", () => {
  it("reports kernel, Landlock and libseccomp ok for sandbox-only on this machine", async () => {
    const { stdout } = await verifyDeps("preflight", "--stack", "sandbox-only", "--json");
    const report = JSON.parse(stdout) as { checks: { id: string; status: string; found: string }[] };
    const get = (id: string) => report.checks.find((c) => c.id === id)!;
    expect(get("kernel")).toMatchObject({ status: "ok", found: release() });
    expect(get("landlock").status).toBe("ok");
    expect(get("landlock").found).toMatch(/enabled, ABI \d/);
    expect(get("libseccomp").status).toBe("ok");
    expect(get("glibc").status).toBe("ok");
  });

  it("prints one line per check with found vs required", async () => {
    const { stdout } = await verifyDeps("preflight", "--stack", "sandbox-only");
    expect(stdout).toMatch(/^ok {4}Linux kernel +found \S+; required ≥ 5\.13$/m);
    expect(stdout).toMatch(/\d+ ok, \d+ warn, \d+ fail/);
  });

  it("exits 2 on an unknown stack, listing the four", async () => {
    const { code, stderr } = await verifyDeps("preflight", "--stack", "nope");
    expect(code).toBe(2);
    expect(stderr).toContain('unknown stack "nope"');
    expect(stderr).toContain("agent-only, full-platform, panel-clis, sandbox-only");
  });

  it("exits 2 on usage errors: no stack, unknown flag, bad target", async () => {
    expect((await verifyDeps("preflight")).code).toBe(2);
    expect((await verifyDeps("preflight", "--stack", "agent-only", "--bogus")).code).toBe(2);
    const bad = await verifyDeps("preflight", "--stack", "agent-only", "--target", "gcp");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are docker, kubernetes, aws");
  });

  it("fails a stack that deploys the CLI without a Control Panel, naming the dependency", async () => {
    const dir = await makeStacksDir({ "clis-alone": "config:\n  iron:strategy: panel-clis\n  iron:exclude: [control-panel]\n" });
    const { code, stdout } = await verifyDeps("preflight", "--stack", "clis-alone", "--stacks-dir", dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^fail +package dependencies +found dependency violated: CLI Tool → Control Panel \(required\)/m);
  });

  it("fails a stack file with iron:strategy: everything, naming key, value and allowed values", async () => {
    const dir = await makeStacksDir({ bad: "config:\n  iron:strategy: everything\n" });
    const { code, stdout } = await verifyDeps("preflight", "--stack", "bad", "--stacks-dir", dir, "--json");
    expect(code).toBe(1);
    const config = (JSON.parse(stdout) as { checks: { id: string; status: string; found: string }[] }).checks[0]!;
    expect(config).toMatchObject({ id: "config", status: "fail" });
    expect(config.found).toContain('iron:strategy: "everything" is not allowed; allowed: full, agent-only, panel-clis, sandbox-only');
  });

  it("checks the Control Panel the config points at", async () => {
    const port = await freePort();
    const dir = await makeStacksDir({ clis: `config:\n  iron:strategy: panel-clis\n  iron:exclude: [control-panel]\n  iron:controlPanelUrl: http://127.0.0.1:${port}\n` });
    const { code, stdout } = await verifyDeps("preflight", "--stack", "clis", "--stacks-dir", dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^fail +Control Panel +found http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/m);
  });
});

describe("probes, for real on this machine", () => {
  it("asks the kernel for the Landlock ABI without the sandbox launcher", async () => {
    const fact = await probeLandlock(mkdtempSync(join(tmpdir(), "no-launcher-")));
    expect(fact.status).toBe("enabled");
    expect(fact.abi).toBeGreaterThanOrEqual(1);
    expect(fact.source).toContain("python3");
  });

  it("finds libseccomp ≥ 2.5.0 and glibc ≥ 2.31", async () => {
    expect(satisfies(await probeLibseccomp(), ">=2.5.0")).toBe(true);
    expect(satisfies(probeGlibc(), ">=2.31.0")).toBe(true);
  });

  it("reads PostgreSQL's version and reports an unreachable one", async () => {
    const fact = await probePostgres(inject("pgAdminUrl"));
    expect(satisfies(fact.version, ">=14.0.0")).toBe(true);
    expect(fact.url).not.toContain(":postgres@");
    const port = await freePort();
    expect((await probePostgres(`postgres://u:secret@127.0.0.1:${port}/x`)).error).toMatch(/ECONNREFUSED/);
  });

  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (redisAvailable()) redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  it.skipIf(!redisAvailable())("reads Redis's version (redis-server needed)", async () => {
    const fact = await probeRedis(redis!.url);
    expect(satisfies(fact.version, ">=6.0.0")).toBe(true);
  });

  it("asks a Control Panel for /healthz and /version", async () => {
    const server: Server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(req.url === "/version" ? '{"version":"1.2.3"}' : '{"status":"ok"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect(await probeControlPanel(`http://127.0.0.1:${port}/`)).toEqual({ url: `http://127.0.0.1:${port}`, healthy: true, version: "1.2.3" });
    server.close();
  });

  it("redacts passwords and sees which artifacts exist", () => {
    expect(redact("postgres://iron:hunter2@db:5432/iron")).toBe("postgres://iron:***@db:5432/iron");
    expect(probeArtifacts(mkdtempSync(join(tmpdir(), "empty-")), ["sandbox", "cli-py"])).toEqual({ sandbox: false, "cli-py": false });
  });
});
