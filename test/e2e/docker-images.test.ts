/**
 * The docker target's images for real: built from services/*\/Dockerfile with a
 * local base image passed through the same build argument `iron:images.base`
 * sets (no Dockerfile edits), then run as the target runs them, their secrets
 * as files in /run/secrets (mode 0400, uid 1000) named by NAME_FILE: the panel
 * migrates against a real PostgreSQL and answers /readyz; the runtime answers
 * its health check. Containers use host networking and listen on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandAvailable, docker, dockerAvailable, dockerBuild, ensureNodeBaseImage } from "../support/docker.js";
import { freePort } from "../support/ports.js";
import { runWithSecretFiles, type SecretFileContainer } from "../support/docker-secrets.js";
import { createTestDatabase } from "../support/postgres.js";
import { waitFor } from "../support/processes.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const ready = dockerAvailable() && commandAvailable("debootstrap");
const reason = "needs a running Docker engine (apt-get install docker.io; dockerd) and debootstrap";
const started: string[] = [];
const ADMIN = { email: "admin@iron.test", password: "docker-test-password" };
let panelUrl = "";

function run(container: SecretFileContainer): void {
  started.push(container.name);
  const r = runWithSecretFiles(container);
  expect(r.status, r.out).toBe(0);
}

/** Neither the container's environment nor its command shows a secret, and each secret file is 0400, uid 1000. */
function expectSecretsOnlyInFiles(name: string, secrets: Record<string, string>): void {
  const config = docker("inspect", "-f", "{{json .Config.Env}} {{json .Config.Cmd}}", name).out;
  for (const value of Object.values(secrets)) expect(config).not.toContain(value);
  for (const secret of Object.keys(secrets)) {
    const file = `/run/secrets/${secret.toLowerCase()}`;
    expect(config).toContain(`${secret}_FILE=${file}`);
    expect(docker("exec", name, "stat", "-c", "%u:%g %a", file).out.trim()).toBe("1000:1000 400");
  }
}

/** Signs in to the panel as the bootstrapped admin and issues a $5 agent token. */
async function issueAgentToken(panel: string): Promise<string> {
  const login = await fetch(`${panel}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
  expect(login.status).toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  const created = await fetch(`${panel}/api/tokens`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
    body: JSON.stringify({ budget_micros: 5_000_000, agent_id: "docker-test" }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { token: string }).token;
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

describe.skipIf(!ready)(`docker images, for real (${reason})`, () => {
  let base = "";
  beforeAll(async () => {
    base = await ensureNodeBaseImage();
  }, 30 * 60_000);

  afterAll(() => {
    for (const name of started) docker("rm", "-f", name);
  });

  it("the control panel image builds, migrates a real PostgreSQL and answers /readyz", async () => {
    const build = dockerBuild(repoRoot, "services/control-panel/Dockerfile", "iron-test/control-panel", { BASE_IMAGE: base });
    expect(build.ok, build.log.slice(-4000)).toBe(true);
    const user = docker("run", "--rm", "--entrypoint", "id", "iron-test/control-panel", "-u");
    expect(user.out.trim()).not.toBe("0");

    const databaseUrl = await createTestDatabase("docker");
    run({ name: "iron-test-control-panel-migrate", image: "iron-test/control-panel", secrets: { DATABASE_URL: databaseUrl }, command: ["migrate"], attach: true });

    const port = await freePort();
    const secrets = { DATABASE_URL: databaseUrl, IRON_MASTER_KEY: "x".repeat(48), IRON_ADMIN_PASSWORD: ADMIN.password };
    run({
      name: "iron-test-control-panel", image: "iron-test/control-panel", command: ["serve"], secrets,
      env: { PORT: String(port), HOST: "127.0.0.1", IRON_ADMIN_EMAIL: ADMIN.email },
    });
    panelUrl = `http://127.0.0.1:${port}`;
    await waitFor(`the panel container's /readyz on ${port}`, () => httpOk(`${panelUrl}/readyz`), 60_000);
    expectSecretsOnlyInFiles("iron-test-control-panel", secrets);
  }, 30 * 60_000);

  it("the runtime image builds and answers its health check", async () => {
    const build = dockerBuild(repoRoot, "services/agent-runtime/Dockerfile", "iron-test/agent-runtime", { BASE_IMAGE: base });
    expect(build.ok, build.log.slice(-4000)).toBe(true);
    expect(panelUrl, "the panel container from the previous test").not.toBe("");
    const token = await issueAgentToken(panelUrl);
    const port = await freePort();
    run({
      name: "iron-test-agent-runtime", image: "iron-test/agent-runtime", secrets: { IRON_TOKEN: token }, env: { IRON_CONTROL_PANEL_URL: panelUrl },
      command: ["serve", "--host", "127.0.0.1", "--port", String(port), "--state-dir", "/tmp/iron-runtime"],
    });
    await waitFor(`the runtime container's /healthz on ${port}`, () => httpOk(`http://127.0.0.1:${port}/healthz`), 60_000);
    expectSecretsOnlyInFiles("iron-test-agent-runtime", { IRON_TOKEN: token });
    // The runtime verified the token against the panel container's JWKS and reads its budget from it.
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(status)).toContain("5000000");
  }, 30 * 60_000);
});
