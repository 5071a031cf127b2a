/**
 * The pilot image `iron:mode: pilot` deploys, for real: built from scripts/pilot/Dockerfile with the local
 * node base image (the `iron:images.base` build argument), run as the docker target runs it (data on a
 * volume, the admin password as a file named by IRON_ADMIN_PASSWORD_FILE), stopped with `docker stop` and started again on the same data.
 * Host networking, everything on 127.0.0.1.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandAvailable, docker, dockerAvailable, dockerBuild, ensureNodeBaseImage } from "../support/docker.js";
import { runWithSecretFiles } from "../support/docker-secrets.js";
import { freePort } from "../support/ports.js";
import { waitFor } from "../support/processes.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const ready = dockerAvailable() && commandAvailable("debootstrap");
const reason = "needs a running Docker engine (apt-get install docker.io; dockerd) and debootstrap";
const NAME = `iron-test-pilot-${randomBytes(3).toString("hex")}`;
const VOLUME = `${NAME}-data`;
const ADMIN = { email: "admin@iron.test", password: randomBytes(12).toString("hex") };

async function ok(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function login(panel: string): Promise<number> {
  const res = await fetch(`${panel}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
  return res.status;
}

describe.skipIf(!ready)(`the pilot image, for real (${reason})`, () => {
  let base = "";
  beforeAll(async () => {
    base = await ensureNodeBaseImage();
  }, 30 * 60_000);

  afterAll(() => {
    docker("rm", "-f", NAME);
    docker("volume", "rm", "-f", VOLUME);
  });

  it("builds, runs as non-root, serves panel, runtime and site, stops cleanly and restarts on its volume", async () => {
    const build = dockerBuild(repoRoot, "scripts/pilot/Dockerfile", "iron-test/pilot", { BASE_IMAGE: base });
    expect(build.ok, build.log.slice(-4000)).toBe(true);
    expect(docker("run", "--rm", "--entrypoint", "id", "iron-test/pilot", "-u").out.trim()).not.toBe("0");

    const ports = { panel: await freePort(), runtime: await freePort(), site: await freePort() };
    const run = runWithSecretFiles({
      name: NAME, image: "iron-test/pilot", volumes: [`${VOLUME}:/var/lib/iron-pilot`],
      env: { IRON_PILOT_HOST: "127.0.0.1", IRON_ADMIN_EMAIL: ADMIN.email }, secrets: { IRON_ADMIN_PASSWORD: ADMIN.password },
      command: ["--panel-port", String(ports.panel), "--runtime-port", String(ports.runtime), "--site-port", String(ports.site)],
    });
    expect(run.status, run.out).toBe(0);
    expect(docker("inspect", "-f", "{{json .Config.Env}}", NAME).out).not.toContain(ADMIN.password);
    const panel = `http://127.0.0.1:${ports.panel}`;
    // /readyz answers as soon as the schema is current; the pilot says `ready` once the admin exists and every part listens.
    await waitFor("the pilot container's /readyz", () => ok(`${panel}/readyz`), 120_000);
    await waitFor("the pilot to say it is ready", () => /ready in [\d.]+ s/.test(docker("logs", NAME).out), 60_000);
    expect(await login(panel)).toBe(200);
    expect(await ok(`http://127.0.0.1:${ports.runtime}/healthz`)).toBe(true);
    expect(await ok(`http://127.0.0.1:${ports.site}/downloads.html`)).toBe(true);
    // Both CLIs from dist/downloads (built before the image by npm test's pretest).
    expect(await ok(`http://127.0.0.1:${ports.site}/downloads/iron_cli_py-0.1.0-py3-none-any.whl`)).toBe(true);
    expect(await ok(`http://127.0.0.1:${ports.site}/downloads/iron-linux-x64`)).toBe(true);
    expect(docker("logs", NAME).out).not.toContain(ADMIN.password);

    const stop = docker("stop", "-t", "30", NAME);
    expect(stop.status, stop.out).toBe(0);
    expect(docker("inspect", "-f", "{{.State.ExitCode}}", NAME).out.trim()).toBe("0");
    expect(docker("logs", NAME).out).toMatch(/stopping \(SIGTERM\)…\nstopped\./);

    expect(docker("start", NAME).status).toBe(0);
    await waitFor("the pilot container's /readyz after a restart", () => ok(`${panel}/readyz`), 120_000);
    await waitFor("the restarted pilot to say it is ready", () => docker("logs", NAME).out.match(/ready in [\d.]+ s/g)?.length === 2, 60_000);
    expect(await login(panel)).toBe(200);
    expect(docker("logs", NAME).out.match(/First start/g)?.length).toBe(1);
  }, 30 * 60_000);
});
