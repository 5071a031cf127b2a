import { homedir } from "node:os";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesSettings } from "../../config-kubernetes.js";
import { labelsFor } from "./context.js";

export interface ClusterArgs {
  stack: string;
  settings: KubernetesSettings;
}

/**
 * The explicit provider (kubeconfig and context from iron:kubernetes, else the
 * ambient ones) and the stack's namespace, labelled for Pod Security
 * "restricted": every pod the target creates is built to pass it.
 */
export class KubeCluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  readonly namespace: string;
  readonly namespaceResource: k8s.core.v1.Namespace;

  constructor(name: string, args: ClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("iron:kubernetes:Cluster", name, {}, opts);
    const { settings } = args;
    this.namespace = settings.namespace ?? `iron-${args.stack}`;
    this.provider = new k8s.Provider(`${name}-provider`, {
      ...(settings.kubeconfig ? { kubeconfig: settings.kubeconfig.replace(/^~(?=\/|$)/, homedir()) } : {}),
      ...(settings.context ? { context: settings.context } : {}),
      namespace: this.namespace,
    }, { parent: this });
    this.namespaceResource = new k8s.core.v1.Namespace(`${name}-namespace`, {
      metadata: {
        name: this.namespace,
        labels: {
          ...labelsFor("iron", this.namespace, "namespace"),
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    }, { parent: this, provider: this.provider });
    this.registerOutputs({ namespace: this.namespace });
  }
}
