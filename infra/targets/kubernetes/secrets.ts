import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { metadataFor, type KubeDeployment } from "./context.js";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export interface PodEnvironment {
  env: EnvVar[];
  /** The Secret holding the secret values (workloads depend on it), if there are any. */
  secret?: k8s.core.v1.Secret;
}

/**
 * Plain values as env; secret values only in a Secret, referenced by
 * secretKeyRef, so no secret sits in a pod spec.
 */
export function podEnvironment(
  parent: pulumi.Resource, deployment: KubeDeployment, pkg: string, name: string,
  env: Record<string, pulumi.Input<string>>, secretEnv: Record<string, pulumi.Input<string>>,
): PodEnvironment {
  const plain: EnvVar[] = Object.entries(env).map(([key, value]) => ({ name: key, value }));
  const keys = Object.keys(secretEnv);
  if (keys.length === 0) return { env: plain };
  const secret = new k8s.core.v1.Secret(`${name}-env`, {
    metadata: metadataFor(deployment, pkg, `${name}-env`, "secret"),
    type: "Opaque",
    stringData: pulumi.secret(pulumi.output(secretEnv)),
  }, { parent, dependsOn: [deployment.namespaceResource] });
  const fromSecret: EnvVar[] = keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: `${name}-env`, key } } }));
  return { env: [...plain, ...fromSecret], secret };
}
