/**
 * Postflight's sandbox check on the docker target, for real: a sandbox node container as the docker target runs it
 * (services/sandbox/Dockerfile on a Debian 12 base made here, the shipped seccomp profile, no network), probed with
 * `docker exec … iron-sandbox --probe`; then the node stopped, which fails its line with the hint. Other targets
 * say "cannot check from here" with the command to run on a node.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDebianDockerImage, run } from "../support/debian-rootfs.js";
import { commandAvailable, dockerAvailable } from "../support/docker.js";
import { repoRoot } from "../support/pulumi-mocks.js";

interface Report {
  checks: { id: string; title: string; status: string; found: string; hint?: string }[];
}

const ready = dockerAvailable() && commandAvailable("debootstrap");
const reason = "needs a running Docker engine (apt-get install docker.io; dockerd) and debootstrap";
const image = "iron-test/sandbox:dev";
const node = `iron-postflight-${process.pid}-sandbox-node-1`;
const dir = mkdtempSync(join(tmpdir(), "iron-postflight-sandbox-"));

function postflight(outputs: Record<string, unknown>): Promise<{ code: number; report: Report }> {
  const file = join(dir, `outputs-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ strategy: "sandbox-only", mode: "production", packages: ["sandbox"], ...outputs }));
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "scripts/verify-deps.ts", "postflight", "--stack", "sandbox-only", "--outputs", file, "--json"], { cwd: repoRoot },
      (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, report: JSON.parse(stdout) as Report }));
  });
}

afterAll(async () => {
  await run("docker", ["rm", "-f", node]);
  rmSync(dir, { recursive: true, force: true });
});

describe("postflight sandbox check, aws target", () => {
  it("cannot reach the nodes from here: a warning with the command to run on a node, exit 0", async () => {
    const { code, report } = await postflight({ target: "aws", sandboxNodes: ["1 × t3.small al2023 (x86_64) in auto-scaling group iron-sandbox-node-abc"] });
    expect(report.checks).toEqual([expect.objectContaining({ id: "sandbox", status: "warn", found: expect.stringContaining("cannot check from here"), hint: expect.stringContaining("iron-sandbox --probe") })]);
    expect(code).toBe(0);
  });
});

describe.skipIf(!ready)(`postflight sandbox check, docker target (${reason})`, () => {
  beforeAll(async () => {
    const base = await ensureDebianDockerImage();
    const built = await run("nice", ["-n", "10", "docker", "build", "-q", "--network", "host", "-f", join(repoRoot, "services/sandbox/Dockerfile"), "--build-arg", `BASE_IMAGE=${base}`, "-t", image, repoRoot]);
    expect(built.status, built.output).toBe(0);
    await run("docker", ["rm", "-f", node]);
    // As infra/targets/docker/nodes.ts runs a node: the shipped seccomp profile, no new privileges.
    const started = await run("docker", ["run", "-d", "--name", node, "--network", "none", "--security-opt", `seccomp=${join(repoRoot, "services/sandbox/docker/seccomp.json")}`, "--security-opt", "no-new-privileges:true", image]);
    expect(started.status, started.output).toBe(0);
  }, 15 * 60_000);

  it("probes inside the sandbox container: ok", async () => {
    const { code, report } = await postflight({ target: "docker", sandboxNodes: [`docker container ${node} (this host's kernel)`] });
    expect(report.checks).toEqual([expect.objectContaining({ id: "sandbox", title: `sandbox node ${node}`, status: "ok", found: expect.stringMatching(/^ok true: kernel .*Landlock ABI [1-9]/) })]);
    expect(code).toBe(0);
  });

  it("fails the node's line once the node is stopped, with the hint", async () => {
    expect((await run("docker", ["stop", "-t", "2", node])).status).toBe(0);
    const { code, report } = await postflight({ target: "docker", sandboxNodes: [`docker container ${node} (this host's kernel)`] });
    expect(report.checks).toEqual([expect.objectContaining({ status: "fail", found: expect.stringContaining("is not running"), hint: expect.stringContaining(`docker logs ${node}`) })]);
    expect(code).toBe(1);
  });
});
