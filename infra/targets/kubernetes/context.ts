import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesSettings } from "../../config-kubernetes.js";

/** What every kubernetes building block needs to know about the deployment it is part of. */
export interface KubeDeployment {
  stack: string;
  /** The namespace every object goes into (created by the target). */
  namespace: string;
  settings: KubernetesSettings;
  /** Absolute path of the repository root (build contexts are relative to it). */
  root: string;
  provider: k8s.Provider;
  /** Blocks depend on it so that nothing is created before its namespace. */
  namespaceResource: pulumi.Resource;
  domain?: string;
}

/** `app.kubernetes.io/*` labels: the package an object belongs to and its part in it. */
export function labelsFor(pkg: string, name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "iron",
    "app.kubernetes.io/managed-by": "pulumi",
    "iron.dev/package": pkg,
  };
}

/** The labels a workload's selector matches (never changes after creation: selectors are immutable). */
export function selectorFor(name: string, component = "server"): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name, "app.kubernetes.io/component": component };
}

/** metadata for an object of `pkg` in the deployment's namespace. */
export function metadataFor(deployment: KubeDeployment, pkg: string, name: string, component: string) {
  return { name, namespace: deployment.namespace, labels: labelsFor(pkg, name, component) };
}
