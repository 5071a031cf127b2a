/** The release tarball: what it holds, its checksum file, and that packing is reproducible. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../support/debian-rootfs.js";
import { ensureLauncher, ensureWrapperBuilt, removeTempDirs, sandboxDir, tempDir } from "../../support/sandbox.js";

async function pack(): Promise<{ dir: string; tarball: string }> {
  const dir = tempDir("artifact");
  const r = await run("sh", [join(sandboxDir, "scripts/pack-artifact.sh")], { ...process.env, IRON_ARTIFACT_OUT: dir });
  expect(r.status, r.output).toBe(0);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tar.gz")) as string;
  return { dir, tarball };
}

describe("release tarball", () => {
  beforeAll(() => {
    ensureLauncher();
    ensureWrapperBuilt();
  });
  afterAll(removeTempDirs);

  it("holds the launcher, the TypeScript wrapper and the bootstrap, with a matching .sha256", async () => {
    const { dir, tarball } = await pack();
    expect(tarball).toMatch(/^iron-sandbox-\d+\.\d+\.\d+-linux-[a-z0-9_]+\.tar\.gz$/);
    const top = tarball.replace(/\.tar\.gz$/, "");
    const listing = (await run("tar", ["-tvzf", join(dir, tarball)])).output;
    expect(listing).toMatch(new RegExp(`-rwx.* ${top}/iron-sandbox\\n`));
    for (const file of ["dist/index.js", "dist/index.d.ts", "dist/run.js", "node/bootstrap.sh", "package.json", "README.md"]) {
      expect(listing).toContain(`${top}/${file}`);
    }
    expect(listing).not.toMatch(/\.tar\.gz/); // no earlier tarball packed inside

    const sum = createHash("sha256").update(readFileSync(join(dir, tarball))).digest("hex");
    expect(readFileSync(join(dir, `${tarball}.sha256`), "utf8")).toBe(`${sum}  ${tarball}\n`);
  });

  it("runs on the oldest glibc among the node OSes (Amazon Linux 2023 and RHEL 9 ship 2.34)", async () => {
    const symbols = (await run("objdump", ["-T", ensureLauncher()])).output;
    const versions = [...symbols.matchAll(/GLIBC_2\.(\d+)/g)].map((m) => Number(m[1]));
    expect(versions.length).toBeGreaterThan(0);
    expect(Math.max(...versions)).toBeLessThanOrEqual(34);
  });

  it("is reproducible: packing the same build twice gives the same bytes", async () => {
    const first = await pack();
    const second = await pack();
    expect(readFileSync(join(first.dir, first.tarball)).equals(readFileSync(join(second.dir, second.tarball)))).toBe(true);
  });
});
