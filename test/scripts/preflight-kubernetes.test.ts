/**
 * The preflight of a kubernetes stack: its decisions from cluster facts, and
 * for real through kubectl against a scripted API peer and against nothing.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { checkConfig } from "../../infra/config.js";
import type { Check } from "../../scripts/preflight/checks.js";
import type { ClusterFacts } from "../../scripts/preflight/facts.js";
import { clusterChecks } from "../../scripts/preflight/kubernetes-checks.js";
import { freePort } from "../support/ports.js";
import { startKubeApiPeer } from "../support/scripted-kube-api.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

const healthy: ClusterFacts = {
  context: "prod",
  serverVersion: "v1.31.2",
  nodes: [
    { name: "old", kernel: "5.10.0-28-amd64", labels: {} },
    { name: "new", kernel: "6.1.0-18-amd64", labels: { "feature.node.kubernetes.io/kernel-version.major": "6" } },
  ],
  storageClasses: [{ name: "standard", isDefault: true }, { name: "fast", isDefault: false }],
};

function checks(raw: Record<string, unknown>, cluster: ClusterFacts): Check[] {
  const report = checkConfig({ target: "kubernetes", ...raw });
  if (!report.config) throw new Error(report.problems.join("; "));
  return clusterChecks(report.config, new Set(report.packages), cluster);
}
const byId = (list: Check[], id: string) => list.find((c) => c.id === id);

describe("kubernetes preflight decisions", () => {
  it("all ok on a supported cluster with a node for the sandbox and a default storage class", () => {
    const list = checks({ strategy: "full", agentToken: "t" }, healthy);
    expect(list.map((c) => [c.id, c.status])).toEqual([["kube-api", "ok"], ["kube-sandbox-nodes", "ok"], ["kube-nfd", "ok"], ["kube-storage", "ok"]]);
    expect(byId(list, "kube-sandbox-nodes")!.found).toBe("1 of 2 node(s): new (6.1.0-18-amd64)");
  });

  it("fails an old server, a cluster without a 5.13 kernel, and a missing storage class, each with a hint", () => {
    expect(byId(checks({ strategy: "agent-only" }, { ...healthy, serverVersion: "v1.25.4" }), "kube-api")).toMatchObject({ status: "fail", required: "≥ 1.27" });
    const noKernel = byId(checks({ strategy: "sandbox-only" }, { ...healthy, nodes: [healthy.nodes![0]!] }), "kube-sandbox-nodes")!;
    expect(noKernel).toMatchObject({ status: "fail", found: "no node has kernel ≥ 5.13: old (5.10.0-28-amd64)" });
    expect(noKernel.hint).toMatch(/node pool with kernel 5.13/);
    const storage = byId(checks({ strategy: "panel-clis", kubernetes: { storageClass: "ssd" } }, healthy), "kube-storage")!;
    expect(storage).toMatchObject({ status: "fail", found: "classes: standard (default), fast" });
    expect(storage.hint).toContain("create StorageClass ssd");
    expect(byId(checks({ strategy: "panel-clis" }, { ...healthy, storageClasses: [{ name: "fast", isDefault: false }] }), "kube-storage")!.status).toBe("fail");
  });

  it("asks only what the stack needs: no sandbox check without the sandbox, no storage with external stores", () => {
    const external = checks({ strategy: "panel-clis", kubernetes: { databaseUrl: "postgres://a@b/c", redisUrl: "redis://b" } }, healthy);
    expect(external.map((c) => c.id)).toEqual(["kube-api"]);
  });

  it("warns without NFD, and fails when the stack requires it", () => {
    const bare = { ...healthy, nodes: healthy.nodes!.map((n) => ({ ...n, labels: {} })) };
    expect(byId(checks({ strategy: "sandbox-only" }, bare), "kube-nfd")!.status).toBe("warn");
    expect(byId(checks({ strategy: "sandbox-only", kubernetes: { nodeFeatureDiscovery: true } }, bare), "kube-nfd")!.status).toBe("fail");
  });

  it("says what it could not check when the API server does not answer", () => {
    const list = checks({ strategy: "full", agentToken: "t" }, { context: "prod", unreachable: "connection refused" });
    expect(list.map((c) => [c.id, c.status])).toEqual([["kube-api", "fail"], ["kube-sandbox-nodes", "warn"], ["kube-nfd", "warn"], ["kube-storage", "warn"]]);
    expect(byId(list, "kube-sandbox-nodes")!.found).toBe("not checked: the API server did not answer");
  });
});

describe("kubernetes preflight through kubectl", async () => {
  const peer = await startKubeApiPeer({
    version: "v1.31.2",
    nodes: [{ name: "worker-a", kernel: "5.10.0-28-amd64" }, { name: "worker-b", kernel: "6.1.0-18-amd64" }],
    storageClasses: [{ name: "standard", isDefault: true }],
  });
  afterAll(async () => {
    await peer.close();
    rmSync(peer.home, { recursive: true, force: true });
  });

  async function preflight(stack: string, env: Record<string, string>): Promise<{ code: number; checks: Check[] }> {
    const args = ["--import", "tsx", "scripts/verify-deps.ts", "preflight", "--stack", stack, "--target", "kubernetes", "--json"];
    const result = await run(process.execPath, args, { cwd: root, env: { ...process.env, ...env } }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    return { code: result.code, checks: (JSON.parse(result.stdout) as { checks: Check[] }).checks };
  }

  it("reads the server version, the nodes' kernels and the storage classes", async () => {
    const { checks: list } = await preflight("full-platform", { KUBECONFIG: peer.kubeconfig, HOME: peer.home });
    expect(byId(list, "kubectl")).toMatchObject({ status: "ok", found: "context scripted" });
    expect(byId(list, "kube-api")).toMatchObject({ status: "ok", found: "context scripted: server v1.31.2" });
    expect(byId(list, "kube-sandbox-nodes")).toMatchObject({ status: "ok", found: "1 of 2 node(s): worker-b (6.1.0-18-amd64)" });
    expect(byId(list, "kube-nfd")).toMatchObject({ status: "warn", found: "no NFD labels on any node" });
    expect(byId(list, "kube-storage")).toMatchObject({ status: "ok", found: "classes: standard (default)" });
    expect(peer.requests.map((r) => new URL(r.path, "http://p").pathname)).toEqual(expect.arrayContaining(["/version", "/api/v1/nodes", "/apis/storage.k8s.io/v1/storageclasses"]));
  }, 60_000);

  it("fails with a hint, and says what it could not check, when nothing answers", async () => {
    const port = await freePort();
    const { code, checks: list } = await preflight("sandbox-only", { KUBECONFIG: kubeconfigAt(peer.kubeconfig, port), HOME: peer.home });
    expect(code).toBe(1);
    expect(byId(list, "kube-api")).toMatchObject({ status: "fail" });
    expect(byId(list, "kube-api")!.found).toContain(`127.0.0.1:${port}`);
    expect(byId(list, "kube-api")!.hint).toContain("kubectl cluster-info");
    expect(byId(list, "kube-sandbox-nodes")).toMatchObject({ status: "warn", found: "not checked: the API server did not answer" });
  }, 60_000);
});

/** A copy of the peer's kubeconfig pointing at `port` on 127.0.0.1 (where nothing listens). */
function kubeconfigAt(kubeconfig: string, port: number): string {
  const copy = `${kubeconfig}-${port}`;
  writeFileSync(copy, readFileSync(kubeconfig, "utf8").replace(/http:\/\/127\.0\.0\.1:\d+/, `http://127.0.0.1:${port}`));
  return copy;
}
