import type * as k8s from "@pulumi/kubernetes";
import type { KubernetesSettings } from "../../config-kubernetes.js";

/** Set by our labelling DaemonSet from the sandbox's probe (node-labeller.mjs). */
export const READY_LABEL = "iron.dev/sandbox-ready";
/** Node Feature Discovery's kernel labels. */
export const NFD_MAJOR = "feature.node.kubernetes.io/kernel-version.major";
export const NFD_MINOR = "feature.node.kubernetes.io/kernel-version.minor";

type Affinity = k8s.types.input.core.v1.Affinity;
type Toleration = k8s.types.input.core.v1.Toleration;

/**
 * Sandbox pods go only to nodes our probe marked ready; with
 * iron:kubernetes.nodeFeatureDiscovery also only to nodes whose NFD kernel
 * labels say >= 5.13 (terms are ORed, expressions within a term ANDed).
 */
export function sandboxAffinity(settings: KubernetesSettings, minKernel: { major: number; minor: number }): Affinity {
  const ready = { key: READY_LABEL, operator: "In", values: ["true"] };
  const terms = settings.nodeFeatureDiscovery
    ? [
      { matchExpressions: [ready, { key: NFD_MAJOR, operator: "Gt", values: [String(minKernel.major)] }] },
      { matchExpressions: [ready, { key: NFD_MAJOR, operator: "In", values: [String(minKernel.major)] }, { key: NFD_MINOR, operator: "Gt", values: [String(minKernel.minor - 1)] }] },
    ]
    : [{ matchExpressions: [ready] }];
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

/** The dedicated pool's taint, tolerated by sandbox pods (iron:kubernetes.sandboxTaint). */
export function sandboxTolerations(settings: KubernetesSettings): Toleration[] {
  const taint = settings.sandboxTaint;
  return taint ? [{ key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect }] : [];
}
