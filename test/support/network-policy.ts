/**
 * Evaluates Kubernetes NetworkPolicies as the API defines them, to say whether
 * a connection is allowed: a pod selected by no policy of a direction is open
 * in that direction; a selected pod admits only what some rule of a selecting
 * policy names (peers and ports). For table tests of a program's policies.
 */
import { BlockList } from "node:net";

export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } }
interface Port { protocol?: string; port?: number }
interface Rule { from?: Peer[]; to?: Peer[]; ports?: Port[] }
export interface NetworkPolicy {
  metadata: { namespace: string; name: string };
  spec: { podSelector: Selector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
}

export interface Pod { kind: "pod"; namespace: string; labels: Record<string, string>; ip: string }
export interface External { kind: "external"; ip: string }
export type Endpoint = Pod | External;

export interface Cluster {
  policies: NetworkPolicy[];
  /** Namespace name → its labels (kubernetes.io/metadata.name is added). */
  namespaces: Record<string, Record<string, string>>;
}

export function matches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const ok = e.operator === "In" ? has && e.values!.includes(value!)
      : e.operator === "NotIn" ? !has || !e.values!.includes(value!)
        : e.operator === "Exists" ? has
          : e.operator === "DoesNotExist" ? !has : false;
    if (!ok) return false;
  }
  return true;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = "", prefix = "0"] = cidr.split("/");
  const list = new BlockList();
  list.addSubnet(base, Number(prefix), "ipv4");
  return list.check(ip, "ipv4");
}

function namespaceLabels(cluster: Cluster, ns: string): Record<string, string> {
  return { ...(cluster.namespaces[ns] ?? {}), "kubernetes.io/metadata.name": ns };
}

function peerMatches(cluster: Cluster, peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if (other.kind !== "pod") return false;
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, namespaceLabels(cluster, other.namespace)) : other.namespace === policyNamespace;
  return nsOk && (!peer.podSelector || matches(peer.podSelector, other.labels));
}

function portMatches(ports: Port[] | undefined, port: number, protocol: string): boolean {
  return !ports || ports.length === 0 || ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port));
}

function admits(cluster: Cluster, pod: Pod, direction: "Ingress" | "Egress", other: Endpoint, port: number, protocol: string): boolean {
  const selecting = cluster.policies.filter((p) =>
    p.metadata.namespace === pod.namespace && matches(p.spec.podSelector, pod.labels) &&
    (p.spec.policyTypes ?? ["Ingress"]).includes(direction));
  if (selecting.length === 0) return true;
  return selecting.some((p) => (direction === "Ingress" ? p.spec.ingress : p.spec.egress)?.some((rule) => {
    const peers = direction === "Ingress" ? rule.from : rule.to;
    return portMatches(rule.ports, port, protocol) && (!peers || peers.length === 0 || peers.some((peer) => peerMatches(cluster, peer, p.metadata.namespace, other)));
  }) ?? false);
}

/** Whether `from` may open a connection to `to` on `port`. */
export function allowed(cluster: Cluster, from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): boolean {
  const out = from.kind === "pod" ? admits(cluster, from, "Egress", to, port, protocol) : true;
  const into = to.kind === "pod" ? admits(cluster, to, "Ingress", from, port, protocol) : true;
  return out && into;
}
