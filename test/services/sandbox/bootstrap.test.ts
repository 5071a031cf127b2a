/**
 * node/bootstrap.sh: its decision path on injected facts (on this host, installing
 * nothing), and a real run inside a Debian 12 root filesystem (debootstrap, chroot),
 * where it installs libseccomp from Debian and the sandbox artifact, and reports ok.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProbeSchema } from "@iron/sandbox";
import { ensureDebianRootfs, openChroot, run, type Chroot } from "../../support/debian-rootfs.js";
import { freePort } from "../../support/ports.js";
import { ensureLauncher, ensureWrapperBuilt, removeTempDirs, sandboxDir, tempDir } from "../../support/sandbox.js";

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

  it.each([
    ["6.1.55-75.123.amzn2023.x86_64", 0],
    ["5.15.0-1051-aws", 0],
    ["6.18.44-fc-v657", 0],
    ["5.12.19", 1],
    ["4.19.0-26-amd64", 1],
    ["garbage", 1],
  ])("reads kernel release %s as %s (0 accepted, 1 refused)", async (kernel, status) => {
    const r = await decide({ IRON_BOOTSTRAP_TEST: "1", IRON_BOOTSTRAP_KERNEL: kernel, IRON_BOOTSTRAP_LSM: "landlock" });
    expect(r.status, r.output).toBe(status);
  });

  it("ignores injected facts unless IRON_BOOTSTRAP_TEST=1", async () => {
    const r = await decide({ IRON_BOOTSTRAP_KERNEL: "5.10.0" });
    expect(r.output).toMatch(/ignoring IRON_BOOTSTRAP_KERNEL/);
    expect(r.file.kernel).not.toBe("5.10.0");
  });
});

const canChroot = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v debootstrap && command -v chroot"]).status === 0;

/**
 * A stand-in for EC2's instance metadata service (IMDSv2) on 127.0.0.1: a PUT for a
 * token, then instance tags read with it; it also serves the artifact over HTTP.
 */
async function fakeImds(artifactDir: string, tarball: string, sha256: string): Promise<{ url: string; close(): Promise<void> }> {
  const token = "test-token-123";
  const port = await freePort();
  const server = createServer((req, res) => {
    const url = req.url ?? "";
    if (req.method === "PUT" && url === "/latest/api/token" && req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return res.end(token);
    if (url.startsWith("/latest/meta-data/")) {
      if (req.headers["x-aws-ec2-metadata-token"] !== token) return res.writeHead(401).end();
      const tags: Record<string, string> = {
        "/latest/meta-data/tags/instance/IronSandboxArtifact": `http://127.0.0.1:${port}/artifacts/${tarball}`,
        "/latest/meta-data/tags/instance/IronSandboxArtifactSha256": sha256,
      };
      return tags[url] ? res.end(tags[url]) : res.writeHead(404).end();
    }
    if (req.method === "GET" && url === `/artifacts/${tarball}`) return res.end(readFileSync(join(artifactDir, tarball)));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.skipIf(!canChroot)("bootstrap in a Debian 12 root filesystem (needs root and debootstrap)", () => {
  let rootfs: string;
  let artifactDir: string;
  let tarball: string;
  const chroots: Chroot[] = [];

  beforeAll(async () => {
    ensureLauncher();
    ensureWrapperBuilt();
    artifactDir = tempDir("artifact");
    const packed = await run("sh", [join(sandboxDir, "scripts/pack-artifact.sh")], { ...process.env, IRON_ARTIFACT_OUT: artifactDir });
    expect(packed.status, packed.output).toBe(0);
    tarball = readdirSync(artifactDir).find((f) => f.endsWith(".tar.gz")) as string;
    rootfs = await ensureDebianRootfs();
  }, 20 * 60_000);

  afterAll(async () => {
    for (const c of chroots) await c.close();
  });

  /** A fresh overlay of the rootfs with the artifact and the bootstrap in /srv/iron. */
  async function freshNode(): Promise<Chroot> {
    const chroot = await openChroot(rootfs);
    chroots.push(chroot);
    mkdirSync(join(chroot.root, "srv/iron"), { recursive: true });
    for (const file of [tarball, `${tarball}.sha256`]) copyFileSync(join(artifactDir, file), join(chroot.root, "srv/iron", file));
    copyFileSync(bootstrap, join(chroot.root, "srv/iron/bootstrap.sh"));
    return chroot;
  }

  it("installs libseccomp and the artifact, probes, self-tests and reports ok", async () => {
    const node = await freshNode();
    const r = await node.run("/bin/sh", ["/srv/iron/bootstrap.sh"], { IRON_SANDBOX_ARTIFACT: `/srv/iron/${tarball}` });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/installing libseccomp2 with apt-get/);
    expect(r.output).toMatch(/ready: kernel .*Landlock ABI \d+, libseccomp 2\.5\.\d+, debian 12/);

    const status = JSON.parse(readFileSync(join(node.root, "var/lib/iron-sandbox/status.json"), "utf8"));
    expect(status).toMatchObject({ status: "ok", lacks: [], distro: "debian 12", package_manager: "apt", installed: "/opt/iron-sandbox/iron-sandbox" });
    const probe = ProbeSchema.parse(status.probe);
    expect(probe.landlock_abi).toBeGreaterThanOrEqual(1);
    expect(probe.libseccomp).toMatch(/^2\.5\.\d+$/);

    const dpkg = await node.run("dpkg-query", ["-W", "-f=${Status} ${Version}", "libseccomp2"]);
    expect(dpkg.output).toMatch(/^install ok installed 2\.5\./);
    const linked = await node.run("/usr/local/bin/iron-sandbox", ["--quiet", "--", "/bin/cat", "/etc/debian_version"]);
    expect(linked.status).not.toBe(0); // confined: /etc is not readable
  }, 10 * 60_000);

  it("on EC2, takes the artifact's URL and checksum from instance tags (IMDSv2), installing curl to fetch it", async () => {
    const node = await freshNode();
    expect((await node.run("sh", ["-c", "command -v curl"])).status).not.toBe(0); // minbase has no curl
    const sha256 = readFileSync(join(artifactDir, `${tarball}.sha256`), "utf8").split(" ")[0] as string;
    const imds = await fakeImds(artifactDir, tarball, sha256);
    try {
      const r = await node.run("/bin/sh", ["/srv/iron/bootstrap.sh"], { IRON_SANDBOX_IMDS: imds.url });
      expect(r.status, r.output).toBe(0);
      expect(r.output).toMatch(/installing curl to download the artifact/);
      expect(r.output).toMatch(new RegExp(`artifact from instance tags: ${imds.url}/artifacts/${tarball.replace(/\./g, "\\.")}`));
      expect(r.output).toMatch(new RegExp(`installed the sandbox in /opt/iron-sandbox \\(SHA-256 ${sha256}\\)`));
      expect((await node.run("dpkg-query", ["-W", "-f=${Status}", "curl"])).output).toBe("install ok installed");
    } finally {
      await imds.close();
    }
  }, 10 * 60_000);

  /**
   * No Amazon Linux image can be had here, so this node is Debian dressed as Amazon Linux 2023:
   * its os-release, and stand-ins for dnf and rpm that log their arguments and report the given
   * libseccomp version. It shows the bootstrap's dnf branch and its version check, not dnf itself.
   */
  async function amazonLinuxLike(libseccompVersion: string): Promise<Chroot> {
    const node = await freshNode();
    writeFileSync(join(node.root, "etc/os-release"), 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n');
    const stub = (body: string) => `#!/bin/sh\necho "$0 $*" >> /var/log/package-calls\n${body}\n`;
    writeFileSync(join(node.root, "usr/local/bin/dnf"), stub("exit 0"), { mode: 0o755 });
    writeFileSync(join(node.root, "usr/local/bin/rpm"), stub(`printf '%s' '${libseccompVersion}'`), { mode: 0o755 });
    return node;
  }

  it("on Amazon Linux 2023 / RHEL installs libseccomp with dnf (dnf and rpm stand-ins)", async () => {
    const node = await amazonLinuxLike("2.5.2");
    const r = await node.run("/bin/sh", ["/srv/iron/bootstrap.sh"], { IRON_SANDBOX_ARTIFACT: `/srv/iron/${tarball}` });
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/installing libseccomp with dnf/);
    expect(readFileSync(join(node.root, "var/log/package-calls"), "utf8")).toMatch(/dnf install -y -q libseccomp\n.*rpm -q --qf %\{VERSION\} libseccomp/s);
    const status = JSON.parse(readFileSync(join(node.root, "var/lib/iron-sandbox/status.json"), "utf8"));
    expect(status).toMatchObject({ status: "ok", distro: "amzn 2023", package_manager: "dnf" });
  }, 10 * 60_000);

  it("refuses a distribution whose libseccomp is older than 2.5, naming the version", async () => {
    const node = await amazonLinuxLike("2.4.1");
    const r = await node.run("/bin/sh", ["/srv/iron/bootstrap.sh"], { IRON_SANDBOX_ARTIFACT: `/srv/iron/${tarball}` });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/lacks: libseccomp >= 2\.5 \(the distribution offers 2\.4\.1\)/);
  }, 10 * 60_000);

  it("refuses a tampered artifact (checksum mismatch)", async () => {
    const node = await freshNode();
    const r = await node.run("/bin/sh", ["/srv/iron/bootstrap.sh"], {
      IRON_SANDBOX_ARTIFACT: `/srv/iron/${tarball}`,
      IRON_SANDBOX_ARTIFACT_SHA256: "0".repeat(64),
    });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/lacks: an intact artifact \(SHA-256 [0-9a-f]{64}, expected 0{64}\)/);
    expect(JSON.parse(readFileSync(join(node.root, "var/lib/iron-sandbox/status.json"), "utf8")).status).toBe("failed");
  }, 10 * 60_000);
});
