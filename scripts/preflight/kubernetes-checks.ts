/**
 * Preflight checks of a kubernetes stack's cluster, as pure functions of what
 * kubectl reported: reachable, a supported server version, a node that can
 * carry the sandbox (kernel ≥ 5.13) when the stack runs it, the storage class
 * its volumes claim, and Node Feature Discovery (a warning when absent).
 */
import { requirement, type PackageId } from "../../infra/catalog.js";
import type { IronConfig } from "../../infra/config.js";
import { MIN_KUBERNETES } from "../../infra/targets/kubernetes/versions.js";
import type { Check } from "./checks.js";
import type { ClusterFacts } from "./facts.js";
import { satisfies } from "./versions.js";

const NFD_PREFIX = "feature.node.kubernetes.io/";

export function clusterChecks(config: IronConfig, packages: ReadonlySet<PackageId>, cluster: ClusterFacts): Check[] {
  const settings = config.kubernetes;
  const where = cluster.context ? `context ${cluster.context}` : "the current context";
  const needsSandbox = packages.has("sandbox");
  const needsVolumes = packages.has("agent-runtime") || (packages.has("control-panel") && config.mode === "production" && !(settings.databaseUrl && settings.redisUrl));
  if (cluster.unreachable) {
    const notChecked = (id: string, title: string, required: string): Check => ({ id, title, status: "warn", found: "not checked: the API server did not answer", required });
    return [
      {
        id: "kube-api", title: "Kubernetes API server", status: "fail", found: `${where}: ${cluster.unreachable}`, required: "an API server answering kubectl version",
        hint: `check the cluster with kubectl${settings.context ? ` --context ${settings.context}` : ""} cluster-info; fix iron:kubernetes.context / kubeconfig, your credentials or your network`,
      },
      ...(needsSandbox ? [notChecked("kube-sandbox-nodes", "nodes for the sandbox", `a node with kernel ${requirement("linux-kernel").display}`), notChecked("kube-nfd", "Node Feature Discovery", "optional")] : []),
      ...(needsVolumes ? [notChecked("kube-storage", "storage class", settings.storageClass ?? "a default StorageClass")] : []),
    ];
  }
  const checks: Check[] = [];
  const versionOk = satisfies(cluster.serverVersion, MIN_KUBERNETES.range);
  checks.push({
    id: "kube-api", title: "Kubernetes API server", status: versionOk ? "ok" : "fail", found: `${where}: server ${cluster.serverVersion}`, required: MIN_KUBERNETES.display,
    hint: versionOk ? undefined : `upgrade the cluster to Kubernetes ${MIN_KUBERNETES.display} (the target uses autoscaling/v2, policy/v1 and StatefulSet claim retention)`,
  });
  if (needsSandbox) checks.push(sandboxNodesCheck(cluster), nfdCheck(cluster, settings.nodeFeatureDiscovery));
  if (needsVolumes) checks.push(storageCheck(cluster, settings.storageClass));
  return checks;
}

function sandboxNodesCheck(cluster: ClusterFacts): Check {
  const kernel = requirement("linux-kernel");
  const required = `a node with kernel ${kernel.display} (Landlock) for the sandbox pods`;
  if (!cluster.nodes) return { id: "kube-sandbox-nodes", title: "nodes for the sandbox", status: "warn", found: `not checked: ${cluster.nodesError ?? "nodes not listed"}`, required, hint: "grant this user list on nodes, or check the nodes' kernels yourself (kubectl get nodes -o wide)" };
  const fit = cluster.nodes.filter((n) => satisfies(n.kernel, kernel.range ?? "*"));
  const list = (nodes: typeof fit) => nodes.map((n) => `${n.name} (${n.kernel || "kernel unknown"})`).join(", ");
  if (fit.length === 0) {
    return {
      id: "kube-sandbox-nodes", title: "nodes for the sandbox", status: "fail", found: cluster.nodes.length ? `no node has kernel ${kernel.display}: ${list(cluster.nodes)}` : "the cluster has no nodes", required,
      hint: "add a node pool with kernel 5.13 or newer (e.g. Ubuntu 22.04+, Debian 12, Bottlerocket, Amazon Linux 2023); a kernel version alone does not prove Landlock is on: the target's labeller probes each node",
    };
  }
  return { id: "kube-sandbox-nodes", title: "nodes for the sandbox", status: "ok", found: `${fit.length} of ${cluster.nodes.length} node(s): ${list(fit)}`, required };
}

function nfdCheck(cluster: ClusterFacts, required: boolean): Check {
  const present = cluster.nodes?.some((n) => Object.keys(n.labels).some((k) => k.startsWith(NFD_PREFIX)));
  const what = required ? "required (iron:kubernetes.nodeFeatureDiscovery: true)" : "optional (its kernel labels add to ours)";
  if (present) return { id: "kube-nfd", title: "Node Feature Discovery", status: "ok", found: "NFD labels on the nodes", required: what };
  return {
    id: "kube-nfd", title: "Node Feature Discovery", status: required ? "fail" : "warn", found: cluster.nodes ? "no NFD labels on any node" : "not checked: nodes not listed", required: what,
    hint: required
      ? "install Node Feature Discovery, or set iron:kubernetes.nodeFeatureDiscovery: false (sandbox pods then rely on the labeller alone)"
      : "optional: sandbox pods are placed by the target's own labeller; install NFD to also require its kernel labels (iron:kubernetes.nodeFeatureDiscovery: true)",
  };
}

function storageCheck(cluster: ClusterFacts, wanted: string | undefined): Check {
  const required = wanted ? `StorageClass ${wanted} (iron:kubernetes.storageClass)` : "a default StorageClass (or set iron:kubernetes.storageClass)";
  if (!cluster.storageClasses) return { id: "kube-storage", title: "storage class", status: "warn", found: `not checked: ${cluster.storageClassesError ?? "storage classes not listed"}`, required };
  const names = cluster.storageClasses.map((c) => `${c.name}${c.isDefault ? " (default)" : ""}`).join(", ") || "none";
  const ok = wanted ? cluster.storageClasses.some((c) => c.name === wanted) : cluster.storageClasses.some((c) => c.isDefault);
  return {
    id: "kube-storage", title: "storage class", status: ok ? "ok" : "fail", found: `classes: ${names}`, required,
    hint: ok ? undefined : wanted ? `create StorageClass ${wanted} or set iron:kubernetes.storageClass to one of: ${names}` : "mark a StorageClass default (storageclass.kubernetes.io/is-default-class: \"true\") or set iron:kubernetes.storageClass",
  };
}
