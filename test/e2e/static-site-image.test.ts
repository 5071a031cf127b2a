/**
 * The docker target's static-site image for real: infra/targets/docker/static-site.Dockerfile built with the build
 * arguments DockerStaticSite passes (the Marketing Site and the CLI downloads), on an nginx base image made from
 * Debian's nginx (no image can be pulled here), then run published on 127.0.0.1 with the deploy-time settings
 * copied in where the Pulumi program uploads them.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS } from "../../infra/artifacts.js";
import { ensureDebianDockerImage } from "../support/debian-rootfs.js";
import { commandAvailable, docker, dockerAvailable, dockerBuild, ensureNginxBaseImage } from "../support/docker.js";
import { freePort } from "../support/ports.js";
import { waitFor } from "../support/processes.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const ready = dockerAvailable() && commandAvailable("debootstrap");
const reason = "needs a running Docker engine (apt-get install docker.io; dockerd) and debootstrap";
const IMAGE = "iron-test/static-site";
const CONTAINER = "iron-test-static-site";

describe.skipIf(!ready)(`the static-site image, for real (${reason})`, () => {
  let url = "";

  beforeAll(async () => {
    const nginx = await ensureNginxBaseImage(await ensureDebianDockerImage());
    const build = dockerBuild(repoRoot, "infra/targets/docker/static-site.Dockerfile", IMAGE, {
      NGINX_IMAGE: nginx, SITE_DIR: ARTIFACTS.siteDir, DOWNLOADS_DIR: ARTIFACTS.downloadsDir,
    });
    expect(build.ok, build.log.slice(-4000)).toBe(true);
    docker("rm", "-f", CONTAINER);
    const port = await freePort();
    const run = docker("run", "-d", "--name", CONTAINER, "-p", `127.0.0.1:${port}:8080`, IMAGE);
    expect(run.status, run.out).toBe(0);
    url = `http://127.0.0.1:${port}`;
    await waitFor("the static site to answer /healthz", async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, 30_000);
  }, 30 * 60_000);

  afterAll(() => {
    docker("rm", "-f", CONTAINER);
  });

  it("serves the Marketing Site with its security header and 404 for what is not there", async () => {
    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toContain("text/html");
    expect(home.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await home.text()).toBe(readFileSync(join(repoRoot, ARTIFACTS.siteDir, "index.html"), "utf8"));
    expect(await (await fetch(`${url}/downloads.html`)).text()).toContain("SHA-256");
    expect(await (await fetch(`${url}/how-it-works`)).text()).toContain("How it works"); // extensionless names resolve to .html
    const toListing = await fetch(`${url}/downloads`, { redirect: "manual" });
    expect(toListing.status).toBe(301);
    expect(toListing.headers.get("location")).toBe("/downloads/"); // relative: the published port, not the container's
    expect((await fetch(`${url}/no-such-page`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).headers.get("server")).toBe("nginx"); // server_tokens off: no version
  });

  it("serves every CLI download (both CLIs) byte for byte, listed under /downloads/", async () => {
    const dir = join(repoRoot, ARTIFACTS.downloadsDir);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    const listing = await (await fetch(`${url}/downloads/`)).text();
    for (const file of files) {
      expect(listing).toContain(file);
      const res = await fetch(`${url}/downloads/${file}`);
      expect(res.status, file).toBe(200);
      const served = createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex");
      expect(served, file).toBe(createHash("sha256").update(readFileSync(join(dir, file))).digest("hex"));
    }
  });

  it("serves the deploy-time settings uploaded into the container, never cached", async () => {
    const settings = { panelUrl: "https://panel.example.com", downloadsUrl: `${url}/downloads/` };
    const work = mkdtempSync(join(tmpdir(), "iron-site-settings-"));
    try {
      writeFileSync(join(work, "settings.json"), JSON.stringify(settings));
      const copy = docker("cp", join(work, "settings.json"), `${CONTAINER}:/usr/share/nginx/html/settings.json`);
      expect(copy.status, copy.out).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const res = await fetch(`${url}/settings.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(await res.json()).toEqual(settings);
  });

  it("reports healthy through the image's HEALTHCHECK", async () => {
    const health = () => docker("inspect", "--format", "{{.State.Health.Status}}", CONTAINER).out.trim();
    await waitFor("the container's health check to pass", () => health() === "healthy", 60_000);
  });
});
