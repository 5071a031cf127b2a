/**
 * No secret value in a plain environment variable of a container, task or pod
 * definition: ECS takes secrets from Secrets Manager (`secrets`), Kubernetes
 * from Secrets (`valueFrom`), Docker containers from files in /run/secrets
 * (`uploads`) named by `<NAME>_FILE`, Docker's secrets convention.
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

/** A password given on a command line (`--requirepass x`, `-a x`, `--password x`), unless it is a shell variable. */
const PASSWORD_ARGUMENT = /(^|\s)(--requirepass|--masterauth|--password|-a)(\s+|=)(?!["']?\$)["']?[^\s"']+/;

/** Why a command line holds a secret, or undefined: a password flag's value (one argument or the next), or a secret-shaped argument. */
function secretInCommand(args: string[]): string | undefined {
  if (PASSWORD_ARGUMENT.test(args.join(" "))) return "a password on the command line";
  for (const arg of args) {
    const why = secretInPlainSight("argument", arg);
    if (why) return why;
  }
  return undefined;
}

export const noPlainSecretsDocker: ResourceValidationPolicy = {
  name: "iron-no-plain-secrets-docker",
  description: "No secret value in a Docker container's environment or command (docker inspect shows both to anyone with the Docker socket): write it to a file in /run/secrets (uploads) and pass NAME_FILE, Docker's secrets convention.",
  validateResource: ({ type, props }, report) => {
    if (type !== "docker:index/container:Container") return;
    const where = `container ${String(props.name)}`;
    reportPlain(where, dockerEnv(props), "write it to a file in /run/secrets (uploads, mode 0400) and set NAME_FILE to that path", report);
    const commands = { command: [...asArray(props.entrypoints), ...asArray(props.command)], "health check": asArray(asRecord(props.healthcheck).tests) };
    for (const [what, args] of Object.entries(commands)) {
      const why = secretInCommand(args.filter((a): a is string => typeof a === "string"));
      if (why) report(`${where}: its ${what} holds ${why}; read it from a file in /run/secrets instead (e.g. a mounted config file)`);
    }
  },
};
