import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor, metadataFor, type KubeDeployment } from "./context.js";
import { RESOURCES } from "./resources.js";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

export interface StepArgs {
  /** The service the step belongs to, e.g. control-panel. */
  service: string;
  pkg: string;
  step: string;
  command: string[];
  imageRef: pulumi.Output<string>;
  /** The service's container (image, env, security) that the step runs with another command. */
  container: Container;
  pod: Omit<PodSpec, "containers">;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * A one-shot step (the panel's migrations) as a Job the service's workload
 * depends on: Pulumi waits for it to complete, so new pods start only after
 * it succeeded. Its name carries a hash of the image and command, so a new
 * image version is a new Job (a Job's pod template is immutable) and the old
 * one is deleted; a Job that failed is replaced on the next `up`
 * (pulumi.com/replaceUnready). Pulumi waits as long as the Job may run (15 minutes).
 */
export function migrationJob(parent: pulumi.Resource, deployment: KubeDeployment, args: StepArgs): k8s.batch.v1.Job {
  const name = `${args.service}-${args.step}`;
  const jobName = args.imageRef.apply((ref) => `${name}-${createHash("sha256").update(`${ref}\n${args.command.join(" ")}`).digest("hex").slice(0, 10)}`);
  return new k8s.batch.v1.Job(name, {
    metadata: {
      ...metadataFor(deployment, args.pkg, name, args.step),
      name: jobName,
      annotations: { "pulumi.com/replaceUnready": "true" },
    },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: 900,
      template: {
        metadata: { labels: labelsFor(args.pkg, args.service, args.step) },
        spec: {
          ...args.pod,
          restartPolicy: "Never",
          containers: [{ ...args.container, name: args.step, args: args.command, resources: RESOURCES.migrate, ports: [] }],
        },
      },
    },
  }, { parent, dependsOn: args.dependsOn, customTimeouts: { create: "15m", update: "15m" } });
}
