/**
 * No secret value in a plain environment variable of a container, task or pod
 * definition: ECS takes secrets from Secrets Manager (`secrets`), Kubernetes
 * from Secrets (`valueFrom`). Docker has no secret store for standalone
 * containers, so the docker target's containers get their own, advisory rule.
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { secretInPlainSight } from "../lib/secrets";
import { asArray, asRecord } from "../lib/resources";
import { dockerEnv, isPodWorkload, podContainers, podSpec, taskContainers } from "../lib/workloads";

function reportPlain(where: string, pairs: [string, unknown][], fix: string, report: ReportViolation): void {
  for (const [name, value] of pairs) {
    const why = secretInPlainSight(name, value);
    if (why) report(`${where}: ${why}; ${fix}`);
  }
}

export const noPlainSecrets: ResourceValidationPolicy = {
  name: "iron-no-plain-secrets",
  description: "No secret value in a plain environment variable of an ECS task or a Kubernetes pod: take it from Secrets Manager (secrets/valueFrom) or a Kubernetes Secret (valueFrom.secretKeyRef).",
  validateResource: ({ type, props }, report) => {
    if (type === "aws:ecs/taskDefinition:TaskDefinition") {
      for (const c of taskContainers(props)) {
        const pairs = asArray(c.environment).map(asRecord).map((e): [string, unknown] => [String(e.name), e.value]);
        reportPlain(`container ${String(c.name)}`, pairs, "move it to the container's secrets (valueFrom a Secrets Manager ARN)", report);
      }
    } else if (isPodWorkload(type)) {
      for (const c of podContainers(podSpec(type, props))) {
        const pairs = asArray(c.env).map(asRecord).filter((e) => e.valueFrom === undefined).map((e): [string, unknown] => [String(e.name), e.value]);
        reportPlain(`container ${String(c.name)}`, pairs, "take it from a Secret (valueFrom.secretKeyRef)", report);
      }
    }
  },
};

export const noPlainSecretsDocker: ResourceValidationPolicy = {
  name: "iron-no-plain-secrets-docker",
  description: "No secret value in a Docker container's environment (docker inspect shows it to anyone with the Docker socket). Advisory: the docker target passes secrets as environment values today, marked secret in Pulumi's state; mounting them as files is the fix.",
  enforcementLevel: "advisory",
  validateResource: ({ type, props }, report) => {
    if (type !== "docker:index/container:Container") return;
    reportPlain(`container ${String(props.name)}`, dockerEnv(props), "mount it as a file (uploads) and point the program at the file", report);
  },
};
