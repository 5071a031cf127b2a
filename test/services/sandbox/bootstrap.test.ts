/**
 * node/bootstrap.sh: its decision path on injected facts (on this host, installing
 * nothing), and a real run inside a Debian 12 root filesystem (debootstrap, chroot),
 * where it installs libseccomp from Debian and the sandbox artifact, and reports ok.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProbeSchema } from "@iron/sandbox";
import { ensureDebianRootfs, openChroot, run, type Chroot } from "../../support/debian-rootfs.js";
import { ensureLauncher, removeTempDirs, sandboxDir, tempDir } from "../../support/sandbox.js";

const bootstrap = join(sandboxDir, "node/bootstrap.sh");
afterAll(removeTempDirs);

function decide(facts: Record<string, string>, args: string[] = ["--check-only"]) {
  const statusFile = join(tempDir("status"), "status.json");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", IRON_BOOTSTRAP_STATUS: statusFile, ...facts };
  return run("sh", [bootstrap, ...args], env).then((r) => ({ ...r, status: r.status, file: JSON.parse(readFileSync(statusFile, "utf8")) }));
}

describe("bootstrap decision path (injected facts)", () => {
  it("refuses a node whose kernel is 5.10, naming the kernel", async () => {
    const r = await decide({ IRON_BOOTSTRAP_TEST: "1", IRON_BOOTSTRAP_KERNEL: "5.10.0-21-amd64", IRON_BOOTSTRAP_LSM: "lockdown,capability,landlock" });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/lacks: kernel >= 5\.13 for Landlock \(found 5\.10\.0-21-amd64\)/);
    expect(r.file).toMatchObject({ status: "failed", kernel: "5.10.0-21-amd64", lacks: ["kernel >= 5.13 for Landlock (found 5.10.0-21-amd64)"] });
  });

  it("refuses a node whose LSM list lacks landlock, naming it and the fix", async () => {
    const r = await decide({ IRON_BOOTSTRAP_TEST: "1", IRON_BOOTSTRAP_KERNEL: "6.1.0-13-amd64", IRON_BOOTSTRAP_LSM: "lockdown,capability,yama,apparmor" });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/lacks: Landlock enabled in the kernel's LSM list \(found: lockdown,capability,yama,apparmor; boot with lsm=landlock,/);
    expect(r.file.status).toBe("failed");
  });

  it("refuses before installing anything (no --check-only)", async () => {
    const r = await decide({ IRON_BOOTSTRAP_TEST: "1", IRON_BOOTSTRAP_KERNEL: "5.10.0", IRON_BOOTSTRAP_LSM: "landlock" }, []);
    expect(r.status).toBe(1);
    expect(r.output).not.toMatch(/installing/);
    expect(r.file).toMatchObject({ status: "failed", installed: null, libseccomp: null });
  });

  it("accepts a 5.13 kernel with landlock in the LSM list", async () => {
    const r = await decide({ IRON_BOOTSTRAP_TEST: "1", IRON_BOOTSTRAP_KERNEL: "5.13.0", IRON_BOOTSTRAP_LSM: "capability,landlock,yama" });
    expect(r.status).toBe(0);
    expect(r.file).toMatchObject({ status: "checked", lacks: [], kernel: "5.13.0", package_manager: "apt" });
  });

  it("ignores injected facts unless IRON_BOOTSTRAP_TEST=1", async () => {
    const r = await decide({ IRON_BOOTSTRAP_KERNEL: "5.10.0" });
    expect(r.output).toMatch(/ignoring IRON_BOOTSTRAP_KERNEL/);
    expect(r.file.kernel).not.toBe("5.10.0");
  });
});

const canChroot = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v debootstrap && command -v chroot"]).status === 0;

describe("bootstrap in a Debian 12 root filesystem", () => {
  let chroot: Chroot | undefined;
  afterAll(async () => chroot?.close());

  it.skipIf(!canChroot)(
    "installs libseccomp and the artifact, probes, self-tests and reports ok (needs root and debootstrap)",
    async () => {
      ensureLauncher();
      const out = tempDir("artifact");
      const packed = await run("sh", [join(sandboxDir, "scripts/pack-artifact.sh")], { ...process.env, IRON_ARTIFACT_OUT: out });
      expect(packed.status, packed.output).toBe(0);
      const tarball = readdirSync(out).find((f) => f.endsWith(".tar.gz")) as string;

      chroot = await openChroot(await ensureDebianRootfs());
      mkdirSync(join(chroot.root, "srv/iron"), { recursive: true });
      for (const file of [tarball, `${tarball}.sha256`]) copyFileSync(join(out, file), join(chroot.root, "srv/iron", file));
      copyFileSync(bootstrap, join(chroot.root, "srv/iron/bootstrap.sh"));

      const r = await chroot.run("/bin/sh", ["/srv/iron/bootstrap.sh"], { IRON_SANDBOX_ARTIFACT: `/srv/iron/${tarball}` });
      expect(r.status, r.output).toBe(0);
      expect(r.output).toMatch(/installing libseccomp2 with apt-get/);
      expect(r.output).toMatch(/ready: kernel .*Landlock ABI \d+, libseccomp 2\.5\.\d+, debian 12/);

      const status = JSON.parse(readFileSync(join(chroot.root, "var/lib/iron-sandbox/status.json"), "utf8"));
      expect(status).toMatchObject({ status: "ok", lacks: [], distro: "debian 12", package_manager: "apt", installed: "/opt/iron-sandbox/iron-sandbox" });
      const probe = ProbeSchema.parse(status.probe);
      expect(probe.landlock_abi).toBeGreaterThanOrEqual(1);
      expect(probe.libseccomp).toMatch(/^2\.5\.\d+$/);

      const dpkg = await chroot.run("dpkg-query", ["-W", "-f=${Status} ${Version}", "libseccomp2"]);
      expect(dpkg.output).toMatch(/^install ok installed 2\.5\./);
      const linked = await chroot.run("/usr/local/bin/iron-sandbox", ["--quiet", "--", "/bin/cat", "/etc/debian_version"]);
      expect(linked.status).not.toBe(0); // confined: /etc is not readable
    },
    20 * 60_000,
  );

  it.skipIf(!canChroot)("refuses a tampered artifact (checksum mismatch)", async () => {
    expect(chroot, "the previous test prepared the chroot").toBeDefined();
    const root = (chroot as Chroot).root;
    const tarball = readdirSync(join(root, "srv/iron")).find((f) => f.endsWith(".tar.gz")) as string;
    const r = await (chroot as Chroot).run("/bin/sh", ["/srv/iron/bootstrap.sh"], {
      IRON_SANDBOX_ARTIFACT: `/srv/iron/${tarball}`,
      IRON_SANDBOX_ARTIFACT_SHA256: "0".repeat(64),
      IRON_BOOTSTRAP_STATUS: "/tmp/tampered.json",
    });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/lacks: an intact artifact \(SHA-256 [0-9a-f]{64}, expected 0{64}\)/);
  }, 5 * 60_000);
});
