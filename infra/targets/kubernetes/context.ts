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

const INSTANCE = "app.kubernetes.io/instance";

/**
 * `app.kubernetes.io/*` labels: `name` is the package the object belongs to
 * (`iron` for what the stack shares), `instance` the block's object, `component`
 * its part in it.
 */
export function labelsFor(pkg: string, instance: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": pkg,
    [INSTANCE]: instance,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "iron",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The labels a workload's selector matches (never changes after creation: selectors are immutable). */
export function selectorFor(instance: string, component = "server"): Record<string, string> {
  return { [INSTANCE]: instance, "app.kubernetes.io/component": component };
}

/** Every pod of a block: its workload's and its predecessor Job's. */
export function podsOf(instance: string): Record<string, string> {
  return { [INSTANCE]: instance };
}

/** metadata for an object of `pkg` in the deployment's namespace. */
export function metadataFor(deployment: KubeDeployment, pkg: string, name: string, component: string) {
  return { name, namespace: deployment.namespace, labels: labelsFor(pkg, name, component) };
}
