import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import semver from "semver";
import type { Nodes, NodesArgs } from "../target.js";
import { labelsFor, metadataFor, podsOf, selectorFor, type KubeDeployment } from "./context.js";
import { kubeImage } from "./image.js";
import { allowFlows } from "./network-policies.js";
import { RESOURCES } from "./resources.js";
import { READY_LABEL, sandboxAffinity, sandboxTolerations } from "./scheduling.js";
import { APP_UID, containerSecurity, podSecurity, scratch } from "./security.js";

export interface KubeNodesArgs extends NodesArgs {
  deployment: KubeDeployment;
}

/** The labeller's script, shipped to the DaemonSet in a ConfigMap. */
export const LABELLER_SCRIPT = "infra/targets/kubernetes/node-labeller.mjs";
const LABELLER_DIR = "/etc/iron-labeller";
/** The API server's ports the labeller may reach (443 through the kubernetes Service, 6443 on most control planes). */
const API_PORTS = [443, 6443];

/**
 * The sandbox on Kubernetes nodes. A DaemonSet of ours runs the sandbox's own
 * probe on every node (tolerating every taint) and labels the node with the
 * Landlock ABI, seccomp and iron.dev/sandbox-ready; the sandbox Deployment
 * (iron:sandboxNodes.count pods) is scheduled only on ready nodes, optionally
 * on NFD's kernel labels too and on a tainted dedicated pool. Sandbox pods
 * have no network at all.
 */
export class KubeSandboxNodes extends pulumi.ComponentResource implements Nodes {
  readonly resource: pulumi.Resource = this;
  readonly summary: pulumi.Output<string[]>;

  constructor(name: string, args: KubeNodesArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:kubernetes:SandboxNodes", name, {}, opts);
    const { deployment } = args;
    const pkg = "sandbox";
    const nsOpts = { parent: this, dependsOn: [deployment.namespaceResource] };
    const image = kubeImage(`${name}-image`, args.image, deployment.root, deployment.settings.registry, this);
    const labeller = this.labeller(`${name}-labeller`, args, image.ref, [...image.resources]);

    const kernelRange = args.requirements.find((r) => r.id === "linux-kernel")?.range ?? ">=5.13.0";
    const minKernel = semver.minVersion(kernelRange) ?? new semver.SemVer("5.13.0");
    const selector = selectorFor(name);
    const { volumes, mounts } = scratch({ tmp: "/tmp" });
    const metadata = metadataFor(deployment, pkg, name, "server");
    new k8s.apps.v1.Deployment(name, {
      metadata,
      spec: {
        replicas: args.count,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: labelsFor(pkg, name, "server") },
          spec: {
            securityContext: podSecurity(APP_UID),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            affinity: sandboxAffinity(deployment.settings, { major: minKernel.major, minor: minKernel.minor }),
            tolerations: sandboxTolerations(deployment.settings),
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
            containers: [{
              name: "sandbox",
              image: image.ref,
              imagePullPolicy: "IfNotPresent",
              resources: RESOURCES.sandbox,
              securityContext: containerSecurity(),
              readinessProbe: { exec: { command: ["iron-sandbox", "--probe"] }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 2 },
              livenessProbe: { exec: { command: ["iron-sandbox", "--version"] }, periodSeconds: 60, timeoutSeconds: 10, failureThreshold: 3 },
              volumeMounts: mounts,
            }],
            volumes,
          },
        },
      },
    }, { parent: this, dependsOn: [deployment.namespaceResource, labeller, ...image.resources] });
    new k8s.policy.v1.PodDisruptionBudget(name, { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, nsOpts);
    // The sandbox blocks network by default: its pods get neither ingress nor egress (not even DNS).
    allowFlows(name, deployment, { pkg, selector: podsOf(name), ingress: [], egress: [] }, this);

    this.summary = pulumi.output([
      `${args.count} sandbox pod(s) (Deployment ${name} in namespace ${deployment.namespace}) on nodes labelled ${READY_LABEL}=true by DaemonSet ${name}-labeller` +
        `${deployment.settings.nodeFeatureDiscovery ? " and NFD kernel >= " + `${minKernel.major}.${minKernel.minor}` : ""}` +
        `${deployment.settings.sandboxTaint ? `, tolerating taint ${deployment.settings.sandboxTaint.key}` : ""}`,
    ]);
    this.registerOutputs({ summary: this.summary });
  }

  /** The labelling DaemonSet, its service account and the cluster role that lets it label nodes (get, patch). */
  private labeller(name: string, args: KubeNodesArgs, imageRef: pulumi.Output<string>, imageResources: pulumi.Resource[]): k8s.apps.v1.DaemonSet {
    const { deployment } = args;
    const pkg = "sandbox";
    const nsOpts = { parent: this, dependsOn: [deployment.namespaceResource] };
    const account = new k8s.core.v1.ServiceAccount(name, { metadata: metadataFor(deployment, pkg, name, "labeller") }, nsOpts);
    // Cluster-scoped names are shared by every stack on the cluster: the namespace keeps them apart.
    const clusterName = `${deployment.namespace}-${name}`;
    const role = new k8s.rbac.v1.ClusterRole(name, {
      metadata: { name: clusterName, labels: labelsFor(pkg, name, "labeller") },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
    }, { parent: this });
    const binding = new k8s.rbac.v1.ClusterRoleBinding(name, {
      metadata: { name: clusterName, labels: labelsFor(pkg, name, "labeller") },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterName },
      subjects: [{ kind: "ServiceAccount", name, namespace: deployment.namespace }],
    }, { parent: this, dependsOn: [role, account] });
    const script = new k8s.core.v1.ConfigMap(`${name}-script`, {
      metadata: metadataFor(deployment, pkg, `${name}-script`, "labeller"),
      data: { "node-labeller.mjs": readFileSync(join(deployment.root, LABELLER_SCRIPT), "utf8") },
    }, nsOpts);
    const selector = selectorFor(name, "labeller");
    const { volumes, mounts } = scratch({ tmp: "/tmp" });
    allowFlows(name, deployment, {
      pkg,
      selector: podsOf(name),
      ingress: [],
      egress: [{ ports: API_PORTS.map((port) => ({ protocol: "TCP", port })) }],
    }, this);
    return new k8s.apps.v1.DaemonSet(name, {
      metadata: metadataFor(deployment, pkg, name, "labeller"),
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%" } },
        template: {
          metadata: { labels: labelsFor(pkg, name, "labeller") },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: podSecurity(APP_UID),
            // Every node, a tainted dedicated pool included: a node it never probes is never ready.
            tolerations: [{ operator: "Exists" }],
            containers: [{
              name: "labeller",
              image: imageRef,
              imagePullPolicy: "IfNotPresent",
              command: ["node", `${LABELLER_DIR}/node-labeller.mjs`],
              env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              resources: RESOURCES.labeller,
              securityContext: containerSecurity(),
              volumeMounts: [...mounts, { name: "script", mountPath: LABELLER_DIR, readOnly: true }],
            }],
            volumes: [...volumes, { name: "script", configMap: { name: `${name}-script` } }],
          },
        },
      },
    }, { parent: this, dependsOn: [binding, script, ...imageResources] });
  }
}
