import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Service, ServiceArgs } from "../target.js";
import { labelsFor, metadataFor, podsOf, selectorFor, type KubeDeployment } from "./context.js";
import { kubeImage } from "./image.js";
import { publicUrl, publish } from "./ingress.js";
import { migrationJob } from "./migration-job.js";
import { allowFlows, egressTo, ingressFrom, internetEgress, isReachable, type Audience, type Reachable } from "./network-policies.js";
import { METRICS_PORT_NAME, scrapeAnnotations, serviceMonitor } from "./metrics.js";
import { httpProbes } from "./probes.js";
import { RESOURCES } from "./resources.js";
import { podEnvironment } from "./secrets.js";
import { APP_UID, containerSecurity, podSecurity, scratch } from "./security.js";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

export interface KubeServiceArgs extends ServiceArgs {
  deployment: KubeDeployment;
  /** HorizontalPodAutoscaler bounds (the Control Panel); without, one replica. */
  autoscale?: { min: number; max: number };
  /** Plain env the target adds (e.g. the panel's per-replica database pool). */
  extraEnv?: Record<string, string>;
  /** HTTPS egress to these ranges (the Agent Runtime's LLM providers). */
  internetEgressCidrs?: string[];
  /** The DNS name an Ingress publishes it under (iron:domain). */
  host?: string;
  /** Where Prometheus scrapes /metrics: the service's port, or a port of its own (named `metrics`). */
  metricsPort?: number;
}

/**
 * A Deployment (or, with a data path, a one-replica StatefulSet with a volume
 * claim template) behind a ClusterIP Service; secrets only through Secrets;
 * probes, requests and limits; Pod Security "restricted"; a
 * PodDisruptionBudget, spread across nodes; an autoscaler when asked; a
 * predecessor step as a Job the workload waits on; and a NetworkPolicy that
 * admits its audience and lets it reach only what it depends on.
 */
export class KubeService extends pulumi.ComponentResource implements Service, Reachable {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly internalUrl: pulumi.Output<string>;
  readonly endpoint: { selector: Record<string, string>; port: number };

  constructor(name: string, args: KubeServiceArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:kubernetes:Service", name, {}, opts);
    const { deployment } = args;
    const pkg = args.package;
    const selector = selectorFor(name);
    const image = kubeImage(`${name}-image`, args.image, deployment.root, deployment.settings.registry, this);
    const environment = podEnvironment(this, deployment, pkg, name, { ...args.env, ...args.extraEnv }, args.secretEnv);
    const { volumes, mounts } = scratch({ tmp: "/tmp" });
    const ports = [args.port, ...(args.extraPorts ?? [])];
    // A metrics port of its own is one more named port; on a port already served it is that port's name.
    const metricsOwnPort = args.metricsPort !== undefined && !ports.includes(args.metricsPort) ? args.metricsPort : undefined;
    const portNames = ports.map((_, i) => (i === 0 ? "http" : `http-${i}`));
    const named = [...ports.map((port, i) => ({ name: portNames[i]!, port })), ...(metricsOwnPort ? [{ name: METRICS_PORT_NAME, port: metricsOwnPort }] : [])];
    const container: Container = {
      name,
      image: image.ref,
      imagePullPolicy: "IfNotPresent",
      ...(args.command ? { args: args.command } : {}),
      ports: named.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })),
      env: environment.env,
      resources: RESOURCES[pkg === "control-panel" ? "control-panel" : "agent-runtime"],
      securityContext: containerSecurity(),
      volumeMounts: [...mounts, ...(args.dataPath ? [{ name: "data", mountPath: args.dataPath }] : [])],
    };
    const pod: Omit<PodSpec, "containers"> = {
      securityContext: podSecurity(APP_UID),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      volumes,
    };
    const dependsOn: pulumi.Input<pulumi.Resource>[] = [deployment.namespaceResource, ...args.dependsOn, ...image.resources, ...(environment.secret ? [environment.secret] : [])];
    if (args.predecessor) {
      dependsOn.push(migrationJob(this, deployment, {
        service: name, pkg, step: args.predecessor.name, command: args.predecessor.command, imageRef: image.ref, container, pod, dependsOn: [...dependsOn],
      }));
    }

    const annotations = scrapeAnnotations(deployment.settings, args.metricsPort);
    const template = {
      metadata: { labels: labelsFor(pkg, name, "server"), ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: {
        ...pod,
        terminationGracePeriodSeconds: 30,
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
        containers: [{ ...container, ...httpProbes(args.port, args.healthPath) }],
      },
    };
    const metadata = metadataFor(deployment, pkg, name, "server");
    const workloadOpts = { parent: this, dependsOn };
    if (args.dataPath) {
      // The runtime's ledger: its own volume per replica, kept across restarts and re-deploys.
      new k8s.apps.v1.StatefulSet(name, {
        metadata,
        spec: {
          serviceName: name,
          replicas: 1,
          selector: { matchLabels: selector },
          template,
          volumeClaimTemplates: [{
            metadata: { name: "data", labels: labelsFor(pkg, name, "server") },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(deployment.settings.storageClass ? { storageClassName: deployment.settings.storageClass } : {}),
              resources: { requests: { storage: deployment.settings.runtimeStorage } },
            },
          }],
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        },
      }, workloadOpts);
    } else {
      const workload = new k8s.apps.v1.Deployment(name, {
        metadata,
        spec: {
          // With an autoscaler the replica count is its to set; the Deployment leaves it alone.
          ...(args.autoscale ? {} : { replicas: 1 }),
          selector: { matchLabels: selector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template,
        },
      }, workloadOpts);
      if (args.autoscale) {
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
          metadata,
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
            minReplicas: args.autoscale.min,
            maxReplicas: args.autoscale.max,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
          },
        }, { parent: this, dependsOn: [workload] });
      }
    }
    new k8s.policy.v1.PodDisruptionBudget(name, {
      metadata,
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    }, { parent: this, dependsOn: [deployment.namespaceResource] });
    new k8s.core.v1.Service(name, {
      metadata,
      spec: { type: "ClusterIP", selector, ports: named.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" })) },
    }, { parent: this, dependsOn: [deployment.namespaceResource] });
    if (args.metricsPort !== undefined) {
      serviceMonitor(this, deployment, pkg, name, metricsOwnPort ? METRICS_PORT_NAME : portNames[ports.indexOf(args.metricsPort)]!);
    }

    const internetFacing = args.internetFacing ?? args.public;
    const audience: Audience = !args.public ? "namespace" : internetFacing ? "anyone" : "cluster";
    const reaches = args.dependsOn.filter(isReachable);
    allowFlows(name, deployment, {
      pkg,
      // Every pod of the service, its predecessor's too (migrations reach the database).
      selector: podsOf(name),
      // The metrics port of its own: Prometheus, wherever it runs in the cluster.
      ingress: [...ports.map((port) => ingressFrom(audience, port)), ...(metricsOwnPort ? [ingressFrom("cluster", metricsOwnPort)] : [])],
      egress: [...reaches.map(egressTo), ...(args.internetEgressCidrs ? [internetEgress(args.internetEgressCidrs)] : [])],
    }, this);

    if (args.host) publish(this, deployment, { name, pkg, host: args.host, serviceName: name, port: args.port });
    this.endpoint = { selector, port: args.port };
    this.internalUrl = pulumi.output(`http://${name}.${deployment.namespace}.svc:${args.port}`);
    this.url = args.host ? pulumi.output(publicUrl(deployment, args.host)) : this.internalUrl;
    this.registerOutputs({ url: this.url, internalUrl: this.internalUrl });
  }
}
