/**
 * The container form: services/sandbox/Dockerfile built on a Debian 12 base made here
 * (debootstrap + docker import; nothing is pulled), run with the shipped seccomp profile.
 * Shows Landlock works inside a container given the profile, and that a profile without
 * the landlock_* syscalls is refused with a message saying so.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProbeSchema } from "@iron/sandbox";
import { ensureDebianDockerImage, run } from "../../support/debian-rootfs.js";
import { removeTempDirs, sandboxDir, tempDir } from "../../support/sandbox.js";

const repoRoot = join(sandboxDir, "../..");
const profile = join(sandboxDir, "docker/seccomp.json");
const image = "iron-test/sandbox:dev";
const containerName = `iron-test-sandbox-${process.pid}`;
const dockerUp = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;

function docker(args: string[]) {
  return run("docker", args);
}

/** `docker run --rm` with the shipped profile (or another) and no network. */
function runImage(args: string[], seccomp = profile) {
  return docker(["run", "--rm", "--network", "none", "--security-opt", `seccomp=${seccomp}`, "--security-opt", "no-new-privileges:true", image, ...args]);
}

describe.skipIf(!dockerUp)("sandbox container (needs a running Docker engine)", () => {
  beforeAll(async () => {
    const base = await ensureDebianDockerImage();
    // Host networking only for apt inside the build (Debian's mirror); the containers below run without a network.
    const built = await docker(["build", "-q", "--network", "host", "-f", "services/sandbox/Dockerfile", "--build-arg", `BASE_IMAGE=${base}`, "-t", image, repoRoot]);
    expect(built.status, built.output).toBe(0);
  }, 15 * 60_000);

  afterAll(async () => {
    await docker(["rm", "-f", containerName]);
    removeTempDirs();
  });

  it("confines a command with Landlock inside the container, given the shipped seccomp profile", async () => {
    const r = await runImage(["iron-sandbox", "--quiet", "--", "/bin/sh", "-c", "echo inside; cat /etc/passwd"]);
    expect(r.output).toMatch(/ready: kernel .*Landlock ABI [1-9]/);
    expect(r.output).toMatch(/^inside$/m);
    expect(r.output).toMatch(/cat: \/etc\/passwd: Permission denied/);
    expect(r.status).toBe(1);
  });

  it("also works under the engine's default seccomp profile (Docker Engine >= 20.10 allows the landlock_* syscalls)", async () => {
    const r = await docker(["run", "--rm", "--network", "none", image, "iron-sandbox", "--probe"]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/"landlock_abi":[1-9]/);
  });

  it("keeps Docker's own refusals (the profile is not unconfined)", async () => {
    const r = await runImage(["/bin/sh", "-c", "unshare -U true || echo refused; grep Seccomp: /proc/self/status"]);
    expect(r.output).toMatch(/refused/);
    expect(r.output).toMatch(/Seccomp:\s+2/);
  });

  it("refuses to start, naming Landlock and the seccomp profile, when the profile lacks the landlock_* syscalls", async () => {
    const shipped = JSON.parse(readFileSync(profile, "utf8"));
    shipped.syscalls[0].names = shipped.syscalls[0].names.filter((n: string) => !n.startsWith("landlock_"));
    const stripped = join(tempDir("seccomp"), "no-landlock.json");
    writeFileSync(stripped, JSON.stringify(shipped));
    const r = await runImage([], stripped);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/lacks: Landlock enabled .*allow the landlock_\* syscalls in its seccomp profile/);
  });

  it("stays up without a command and runs jobs through docker exec", async () => {
    const started = await docker(["run", "-d", "--name", containerName, "--network", "none", "--security-opt", `seccomp=${profile}`, image]);
    expect(started.status, started.output).toBe(0);
    const probe = await docker(["exec", containerName, "iron-sandbox", "--probe"]);
    expect(ProbeSchema.parse(JSON.parse(probe.output)).landlock_abi).toBeGreaterThanOrEqual(1);
    const job = await docker(["exec", containerName, "iron-sandbox", "--quiet", "--", "/bin/echo", "job done"]);
    expect(job.output).toBe("job done\n");
    const stopped = await docker(["stop", "-t", "5", containerName]);
    expect(stopped.status).toBe(0);
  });

  it("ships the profile its generator makes (regenerating changes nothing)", async () => {
    const out = join(tempDir("profile"), "seccomp.json");
    const r = await run("sh", [join(sandboxDir, "docker/make-seccomp-profile.sh"), out]);
    expect(r.status, r.output).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(profile, "utf8"));
  });
});
