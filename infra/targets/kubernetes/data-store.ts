import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labelsFor, metadataFor, podsOf, selectorFor, type KubeDeployment } from "./context.js";
import { allowFlows, ingressFrom } from "./network-policies.js";
import { execProbes } from "./probes.js";
import { RESOURCES } from "./resources.js";
import { containerSecurity, DATA_STORE_UID, podSecurity, scratch } from "./security.js";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export interface DataStoreSpec {
  /** Object name (Service, StatefulSet, Secret prefix). */
  name: string;
  /** The package that uses it; only its pods may connect. */
  consumer: string;
  kind: "postgres" | "redis";
  image: string;
  port: number;
  dataPath: string;
  storage: string;
  storageClass?: string;
  /** Env from the generated password's Secret under this variable name. */
  passwordEnv: string;
  env: EnvVar[];
  args?: string[];
  command?: string[];
  ready: string[];
  /** Paths the process writes besides its data. */
  scratch: Record<string, string>;
}

export interface DataStore {
  password: random.RandomPassword;
  host: string;
  workload: k8s.apps.v1.StatefulSet;
}

/**
 * PostgreSQL or Redis as a one-replica StatefulSet with a volume claim
 * template, a generated password kept in a Secret (created once, never rotated
 * by an upgrade), a ClusterIP Service, and a policy that admits only its
 * consumer's pods.
 */
export function dataStore(parent: pulumi.Resource, deployment: KubeDeployment, spec: DataStoreSpec): DataStore {
  const opts = { parent, dependsOn: [deployment.namespaceResource] };
  const pkg = spec.consumer;
  const selector = selectorFor(spec.name, spec.kind);
  const password = new random.RandomPassword(`${spec.name}-password`, { length: 32, special: false }, { parent });
  const secretName = `${spec.name}-password`;
  const secret = new k8s.core.v1.Secret(secretName, {
    metadata: metadataFor(deployment, pkg, secretName, "secret"),
    type: "Opaque",
    stringData: { password: pulumi.secret(password.result) },
  }, opts);
  const service = new k8s.core.v1.Service(spec.name, {
    metadata: metadataFor(deployment, pkg, spec.name, spec.kind),
    spec: { type: "ClusterIP", selector, ports: [{ name: spec.kind, port: spec.port, targetPort: spec.port, protocol: "TCP" }] },
  }, opts);
  const { volumes, mounts } = scratch(spec.scratch);
  const workload = new k8s.apps.v1.StatefulSet(spec.name, {
    metadata: metadataFor(deployment, pkg, spec.name, spec.kind),
    spec: {
      serviceName: spec.name,
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labelsFor(pkg, spec.name, spec.kind) },
        spec: {
          securityContext: podSecurity(DATA_STORE_UID),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          containers: [{
            name: spec.kind,
            image: spec.image,
            imagePullPolicy: "IfNotPresent",
            ...(spec.command ? { command: spec.command } : {}),
            ...(spec.args ? { args: spec.args } : {}),
            ports: [{ name: spec.kind, containerPort: spec.port, protocol: "TCP" }],
            env: [{ name: spec.passwordEnv, valueFrom: { secretKeyRef: { name: secretName, key: "password" } } }, ...spec.env],
            resources: RESOURCES[spec.kind],
            securityContext: containerSecurity(),
            ...execProbes(spec.ready),
            volumeMounts: [{ name: "data", mountPath: spec.dataPath }, ...mounts],
          }],
          volumes,
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data", labels: labelsFor(pkg, spec.name, spec.kind) },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(spec.storageClass ? { storageClassName: spec.storageClass } : {}),
          resources: { requests: { storage: spec.storage } },
        },
      }],
      // Claims outlive the StatefulSet: deleting the stack keeps the data.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    },
  }, { parent, dependsOn: [deployment.namespaceResource, secret, service] });
  allowFlows(spec.name, deployment, {
    pkg,
    selector,
    ingress: [{ ...ingressFrom("namespace", spec.port), from: [{ podSelector: { matchLabels: podsOf(spec.consumer) } }] }],
    egress: [],
  }, parent);
  return { password, host: `${spec.name}.${deployment.namespace}.svc`, workload };
}

/** Host and port of an external URL when it is readable here (the engine hands config secrets over in plain). */
export function externalEndpoint(url: string | { secure: string }, defaultPort: number): { url: pulumi.Output<string>; host: string; port: number } {
  if (typeof url !== "string") return { url: pulumi.secret(url.secure), host: "(external)", port: defaultPort };
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  return { url: pulumi.secret(url), host: parsed?.hostname ?? "(external)", port: parsed?.port ? Number(parsed.port) : defaultPort };
}
