/**
 * NetworkPolicies: the namespace denies every flow by default; each block then
 * allows exactly its own flows (clients → panel and site, runtime → panel,
 * panel → database and cache, runtime → LLM providers on 443, DNS).
 */
import { BlockList } from "node:net";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { metadataFor, type KubeDeployment } from "./context.js";

type Rule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Where a block can be reached: pods matching `selector` on `port`, or an address outside the cluster. */
export interface Reachable {
  readonly endpoint: { selector?: Record<string, string>; port: number };
}

export function isReachable<T>(value: T): value is T & Reachable {
  return !!value && typeof value === "object" && "endpoint" in value;
}

/** Address ranges never reachable through an internet-egress rule: private, link-local (cloud metadata), carrier-grade NAT. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

/** Who may connect to a server: anyone (published), any pod in the cluster, or pods in this namespace only. */
export type Audience = "anyone" | "cluster" | "namespace";

export function ingressFrom(audience: Audience, port: number): Rule {
  const ports = [{ protocol: "TCP", port }];
  if (audience === "anyone") return { ports };
  if (audience === "cluster") return { ports, from: [{ namespaceSelector: {} }] };
  return { ports, from: [{ podSelector: {} }] };
}

/** Egress to another block: its pods by label, or (outside the cluster) any address on its port. */
export function egressTo(target: Reachable): EgressRule {
  const { selector, port } = target.endpoint;
  const ports = [{ protocol: "TCP", port }];
  return selector ? { ports, to: [{ podSelector: { matchLabels: selector } }] } : { ports };
}

/** HTTPS to the given ranges, private ranges excluded (the LLM providers). */
export function internetEgress(cidrs: string[]): EgressRule {
  return { ports: [{ protocol: "TCP", port: 443 }], to: cidrs.map((cidr): Peer => ({ ipBlock: { cidr, except: privateRangesWithin(cidr) } })) };
}

/** `except` entries must lie inside their `cidr`. */
function privateRangesWithin(cidr: string): string[] {
  const [base = "", prefix = "0"] = cidr.split("/");
  const block = new BlockList();
  block.addSubnet(base, Number(prefix), "ipv4");
  return PRIVATE_RANGES.filter((range) => {
    const [rangeBase = "", rangePrefix = "0"] = range.split("/");
    return Number(rangePrefix) > Number(prefix) && block.check(rangeBase, "ipv4");
  });
}

export interface PolicyArgs {
  pkg: string;
  selector: Record<string, string>;
  ingress?: Rule[];
  egress?: EgressRule[];
}

/** One policy for one workload; absent directions stay denied by the namespace default. */
export function allowFlows(name: string, deployment: KubeDeployment, args: PolicyArgs, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy {
  const types = [...(args.ingress ? ["Ingress"] : []), ...(args.egress ? ["Egress"] : [])];
  return new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
    metadata: metadataFor(deployment, args.pkg, `${name}-allow`, "network-policy"),
    spec: {
      podSelector: { matchLabels: args.selector },
      policyTypes: types,
      ...(args.ingress ? { ingress: args.ingress } : {}),
      ...(args.egress ? { egress: args.egress } : {}),
    },
  }, { parent, dependsOn: [deployment.namespaceResource] });
}

/** Deny everything in the namespace, then allow DNS for every pod but the sandbox's (which has no network at all). */
export function namespaceDefaults(deployment: KubeDeployment, parent: pulumi.Resource): void {
  const opts = { parent, provider: deployment.provider, dependsOn: [deployment.namespaceResource] };
  new k8s.networking.v1.NetworkPolicy("default-deny", {
    metadata: metadataFor(deployment, "iron", "default-deny", "network-policy"),
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  }, opts);
  new k8s.networking.v1.NetworkPolicy("allow-dns", {
    metadata: metadataFor(deployment, "iron", "allow-dns", "network-policy"),
    spec: {
      podSelector: { matchExpressions: [{ key: "app.kubernetes.io/instance", operator: "NotIn", values: ["sandbox-node"] }] },
      policyTypes: ["Egress"],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      }],
    },
  }, opts);
}
