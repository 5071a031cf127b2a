/**
 * A scripted Kubernetes API peer on 127.0.0.1 for kubectl: discovery, version,
 * nodes and storage classes, answered from the given cluster description, and
 * a kubeconfig that points kubectl at it. A test peer for the preflight's
 * cluster probe (a real API server is what the e2e suite runs).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedServer, type ScriptedServer } from "./scripted-server.js";

export interface ScriptedCluster {
  version: string;
  nodes: { name: string; kernel: string; labels?: Record<string, string> }[];
  storageClasses: { name: string; isDefault?: boolean }[];
}

export interface KubeApiPeer extends ScriptedServer {
  /** A kubeconfig whose current context (`scripted`) is this peer. */
  kubeconfig: string;
  /** A HOME for kubectl (its discovery cache). */
  home: string;
}

const resourceList = (groupVersion: string, name: string, kind: string) => ({
  kind: "APIResourceList", apiVersion: "v1", groupVersion,
  resources: [{ name, singularName: kind.toLowerCase(), namespaced: false, kind, verbs: ["get", "list"] }],
});

export async function startKubeApiPeer(cluster: ScriptedCluster): Promise<KubeApiPeer> {
  const [major = "1", minor = "0"] = cluster.version.replace(/^v/, "").split(".");
  const storage = { groupVersion: "storage.k8s.io/v1", version: "v1" };
  const routes: Record<string, unknown> = {
    "/version": { major, minor, gitVersion: cluster.version },
    "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
    "/apis": { kind: "APIGroupList", apiVersion: "v1", groups: [{ name: "storage.k8s.io", versions: [storage], preferredVersion: storage }] },
    "/api/v1": resourceList("v1", "nodes", "Node"),
    "/apis/storage.k8s.io/v1": resourceList("storage.k8s.io/v1", "storageclasses", "StorageClass"),
    "/api/v1/nodes": {
      kind: "NodeList", apiVersion: "v1", metadata: {},
      items: cluster.nodes.map((n) => ({ metadata: { name: n.name, labels: n.labels ?? {} }, status: { nodeInfo: { kernelVersion: n.kernel } } })),
    },
    "/apis/storage.k8s.io/v1/storageclasses": {
      kind: "StorageClassList", apiVersion: "storage.k8s.io/v1", metadata: {},
      items: cluster.storageClasses.map((c) => ({
        metadata: { name: c.name, annotations: c.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} }, provisioner: "example.com/scripted",
      })),
    },
  };
  const server = await startScriptedServer((request) => {
    const body = routes[new URL(request.path, "http://peer").pathname];
    return body ? { status: 200, body } : { status: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", code: 404 } };
  });
  const home = mkdtempSync(join(tmpdir(), "iron-kube-peer-"));
  const kubeconfig = join(home, "kubeconfig");
  writeFileSync(kubeconfig, [
    "apiVersion: v1", "kind: Config",
    `clusters: [{ name: scripted, cluster: { server: "${server.url}" } }]`,
    "users: [{ name: scripted, user: {} }]",
    "contexts: [{ name: scripted, context: { cluster: scripted, user: scripted } }]",
    "current-context: scripted", "",
  ].join("\n"));
  return { ...server, kubeconfig, home };
}
