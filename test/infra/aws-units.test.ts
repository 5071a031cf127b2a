/** Plain functions of the aws target: site files, node images, architectures. */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requirement } from "../../infra/catalog.js";
import { archOf, assertKernel, NODE_IMAGES } from "../../infra/targets/aws/ami.js";
import { sandboxTarball } from "../../infra/targets/aws/sandbox-artifact.js";
import { contentTypeOf, isFingerprinted, siteFiles } from "../../infra/targets/aws/site-files.js";

describe("site files", () => {
  it("enumerates a tree with keys, content types and cache headers", () => {
    const root = mkdtempSync(join(tmpdir(), "iron-site-"));
    mkdirSync(join(root, "services/marketing-site/dist/assets"), { recursive: true });
    for (const f of ["index.html", "assets/index-BX8dKq2a.js", "assets/logo.svg"]) writeFileSync(join(root, "services/marketing-site/dist", f), "x");
    expect(siteFiles(root, "services/marketing-site/dist", "").map(({ key, contentType, cacheControl }) => ({ key, contentType, cacheControl }))).toEqual([
      { key: "assets/index-BX8dKq2a.js", contentType: "text/javascript; charset=utf-8", cacheControl: "public, max-age=31536000, immutable" },
      { key: "assets/logo.svg", contentType: "image/svg+xml", cacheControl: "public, max-age=0, must-revalidate" },
      { key: "index.html", contentType: "text/html; charset=utf-8", cacheControl: "public, max-age=0, must-revalidate" },
    ]);
    expect(siteFiles(root, "services/marketing-site/dist", "downloads/")[0]).toMatchObject({ key: "downloads/assets/index-BX8dKq2a.js", cacheControl: "public, max-age=300" });
  });

  it("a missing or empty directory names the command that builds it", () => {
    const root = mkdtempSync(join(tmpdir(), "iron-site-"));
    expect(() => siteFiles(root, "services/marketing-site/dist", "")).toThrow("services/marketing-site/dist is missing: build it with `npm run build -w services/marketing-site`");
    mkdirSync(join(root, "services/cli/dist/artifacts"), { recursive: true });
    expect(() => siteFiles(root, "services/cli/dist/artifacts", "downloads/")).toThrow("services/cli/dist/artifacts is empty: build it with `npm run build:artifacts -w services/cli`");
  });

  it("knows content types and fingerprints", () => {
    expect(contentTypeOf("downloads/iron-linux-x64")).toBe("application/octet-stream");
    expect(contentTypeOf("downloads/SHA256SUMS")).toBe("text/plain; charset=utf-8");
    expect(contentTypeOf("fonts/a.woff2")).toBe("font/woff2");
    expect(isFingerprinted("app.3f9c2b1a.css")).toBe(true);
    expect(isFingerprinted("favicon.ico")).toBe(false);
    expect(isFingerprinted("standalone.js")).toBe(false);
  });
});

describe("sandbox node images", () => {
  it("every OS ships a kernel the sandbox accepts (≥ 5.13) and names a public SSM parameter per architecture", () => {
    const requirements = [requirement("linux-kernel")];
    for (const [os, image] of Object.entries(NODE_IMAGES)) {
      expect(() => assertKernel(os as keyof typeof NODE_IMAGES, requirements)).not.toThrow();
      expect(image.parameter("x86_64")).toMatch(/^\/aws\/service\//);
      expect(image.parameter("arm64")).not.toBe(image.parameter("x86_64"));
    }
    expect(NODE_IMAGES["ubuntu-24.04"].parameter("x86_64")).toBe("/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id");
  });

  it("refuses an image whose kernel is too old", () => {
    expect(() => assertKernel("al2023", [{ ...requirement("linux-kernel"), range: ">=7.0.0", display: "≥ 7.0" }])).toThrow("iron:sandboxNodes.os: al2023 ships kernel 6.1; the sandbox needs Linux kernel ≥ 7.0");
  });

  it("tells Graviton instance types from x86 ones", () => {
    for (const t of ["t4g.small", "m7g.large", "c6gn.xlarge", "r8gd.large", "x2gd.medium", "im4gn.large"]) expect(archOf(t), t).toBe("arm64");
    for (const t of ["t3.small", "m5.large", "g4dn.xlarge", "c7i.large", "m6a.large"]) expect(archOf(t), t).toBe("x86_64");
  });
});

describe("the sandbox tarball", () => {
  it("takes the newest version for the architecture that has a checksum", () => {
    const root = mkdtempSync(join(tmpdir(), "iron-tarball-"));
    const dir = join(root, "services/sandbox/dist");
    mkdirSync(dir, { recursive: true });
    for (const v of ["0.9.0", "0.10.0"]) {
      writeFileSync(join(dir, `iron-sandbox-${v}-linux-x86_64.tar.gz`), "x");
      writeFileSync(join(dir, `iron-sandbox-${v}-linux-x86_64.tar.gz.sha256`), `${v === "0.10.0" ? "ab".repeat(32) : "cd".repeat(32)}  iron-sandbox-${v}-linux-x86_64.tar.gz\n`);
    }
    writeFileSync(join(dir, "iron-sandbox-0.11.0-linux-x86_64.tar.gz"), "no checksum beside it");
    expect(sandboxTarball(root, "services/sandbox/dist", "x86_64")).toMatchObject({ file: "iron-sandbox-0.10.0-linux-x86_64.tar.gz", sha256: "ab".repeat(32) });
    expect(() => sandboxTarball(root, "services/sandbox/dist", "arm64")).toThrow("no iron-sandbox-<version>-linux-aarch64.tar.gz");
  });
});
