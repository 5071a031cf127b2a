/**
 * The kubernetes target's node labeller, for real on this machine: the
 * DaemonSet's script runs the sandbox's own probe on this kernel and produces
 * the labels it would set, and PATCHes them to an API server over real HTTP.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";
import { LABELLER_SCRIPT } from "../../infra/targets/kubernetes/nodes.js";
import { ensureLauncher } from "../support/sandbox.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const run = promisify(execFile);
const script = join(repoRoot, LABELLER_SCRIPT);
const launcher = ensureLauncher();
const dir = mkdtempSync(join(tmpdir(), "iron-labeller-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Printed { node: string | null; labels: Record<string, string | null>; probe: Record<string, unknown> | null }

async function label(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 });
}

describe("node labeller on this machine", () => {
  it("labels this node from the sandbox's own probe", async () => {
    const { stdout } = await label(["--print"], { IRON_SANDBOX_BIN: launcher, NODE_NAME: "this-node" });
    const printed = JSON.parse(stdout) as Printed;
    const probe = JSON.parse(spawnSync(launcher, ["--probe"], { encoding: "utf8" }).stdout) as { kernel: string; landlock_abi: number; seccomp: boolean; libseccomp: string; ok: boolean };
    expect(probe.kernel).toBe(release());
    // This machine carries the sandbox (kernel >= 5.13, Landlock, seccomp): the node is ready.
    expect(semver.gte(semver.coerce(release())!, "5.13.0")).toBe(true);
    expect(probe.ok).toBe(true);
    expect(printed).toEqual({
      node: "this-node",
      labels: {
        "iron.dev/sandbox-ready": "true",
        "iron.dev/landlock-abi": String(probe.landlock_abi),
        "iron.dev/seccomp": "true",
        "iron.dev/libseccomp": probe.libseccomp,
        "iron.dev/kernel": release().replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63),
      },
      probe,
    });
    expect(Number(printed.labels["iron.dev/landlock-abi"])).toBeGreaterThanOrEqual(1);
    for (const value of Object.values(printed.labels)) expect(value).toMatch(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/);
  });

  it("marks the node not ready and removes the other labels when the probe cannot run", async () => {
    const { stdout, stderr } = await label(["--print"], { IRON_SANDBOX_BIN: join(dir, "no-such-launcher"), NODE_NAME: "n" });
    expect(JSON.parse(stdout)).toMatchObject({ labels: { "iron.dev/sandbox-ready": "false", "iron.dev/landlock-abi": null, "iron.dev/kernel": null } });
    expect(stderr).toContain("--probe could not run");
  });

  it("PATCHes the labels to the API server with the service account's token", async () => {
    const requests: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(status, { "content-type": "application/json" }).end(status === 200 ? "{}" : '{"message":"nodes is forbidden"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const tokenFile = join(dir, "token");
      writeFileSync(tokenFile, "mock-service-account-token\n");
      const env = { IRON_SANDBOX_BIN: launcher, NODE_NAME: "worker-1", IRON_KUBE_API: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, IRON_KUBE_TOKEN_FILE: tokenFile };
      const { stdout } = await label(["--once"], env);
      expect(requests).toHaveLength(1);
      const [patch] = requests;
      expect(patch).toMatchObject({ method: "PATCH", url: "/api/v1/nodes/worker-1" });
      expect(patch!.headers).toMatchObject({ authorization: "Bearer mock-service-account-token", "content-type": "application/merge-patch+json" });
      const sent = JSON.parse(patch!.body) as { metadata: { labels: Record<string, string> } };
      expect(sent.metadata.labels["iron.dev/sandbox-ready"]).toBe("true");
      expect(JSON.parse(stdout)).toMatchObject({ node: "worker-1", labels: sent.metadata.labels });

      status = 403;
      const refused = await label(["--once"], env).then(() => undefined, (err: { code: number; stderr: string }) => err);
      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toContain("PATCH node worker-1: HTTP 403");
    } finally {
      server.close();
    }
  });

  it("refuses to run without NODE_NAME, and an unknown flag", async () => {
    const missing = await label(["--once"], { IRON_SANDBOX_BIN: launcher }).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("NODE_NAME is not set") });
    const flag = await label(["--bogus"], {}).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(flag).toMatchObject({ code: 2, stderr: expect.stringContaining("usage: node-labeller.mjs") });
  });
});
