/**
 * The platform's workloads run as a non-root user and cannot gain privileges:
 * ECS tasks name a non-root user and are not privileged; the services' Docker
 * containers also set no-new-privileges; every Kubernetes pod sets
 * runAsNonRoot (or a non-zero runAsUser) and allowPrivilegeEscalation: false.
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord, isWithin, type Props } from "../lib/resources";
import { isPodWorkload, podContainers, podSpec, taskContainers } from "../lib/workloads";

/** A user (name, uid, or user:group) that is root, or none at all (then the image decides). */
function isRootOrUnset(user: unknown): boolean {
  if (user === undefined || user === null || user === "") return true;
  const name = String(user).split(":")[0];
  return name === "root" || name === "0";
}

export const workloadsNonRoot: ResourceValidationPolicy = {
  name: "iron-workloads-non-root",
  description: "Workloads run as a non-root user with no privilege escalation: ECS task containers and the services' Docker containers name a non-root user and are not privileged (Docker: no-new-privileges); Kubernetes pods set runAsNonRoot and allowPrivilegeEscalation: false.",
  validateResource: ({ type, props, urn }, report) => {
    if (type === "aws:ecs/taskDefinition:TaskDefinition") {
      for (const c of taskContainers(props)) checkEcsContainer(c, report);
    } else if (type === "docker:index/container:Container" && isWithin(urn, "Service")) {
      checkDockerContainer(props, report);
    } else if (isPodWorkload(type)) {
      checkPod(podSpec(type, props), report);
    }
  },
};

function checkEcsContainer(c: Props, report: ReportViolation): void {
  const name = `container ${String(c.name)}`;
  if (isRootOrUnset(c.user)) report(`${name} runs as ${c.user === undefined ? "the image's user, which the task does not state" : "root"}: set user to a non-root uid (our images: "1000:1000")`);
  if (c.privileged === true) report(`${name} is privileged: remove privileged`);
  const added = asArray(asRecord(asRecord(c.linuxParameters).capabilities).add);
  if (added.length > 0) report(`${name} adds capabilities ${added.join(", ")}: remove them`);
}

function checkDockerContainer(props: Props, report: ReportViolation): void {
  const name = `container ${String(props.name)}`;
  if (isRootOrUnset(props.user)) report(`${name} runs as ${props.user === undefined ? "the image's user, which the container does not state" : "root"}: set user to a non-root uid (our images: "1000:1000")`);
  if (props.privileged === true) report(`${name} is privileged: remove privileged`);
  const options = asArray(props.securityOpts).map(String);
  if (!options.some((o) => /^no-new-privileges(:true|=true)?$/.test(o))) report(`${name} may gain privileges (setuid binaries): add securityOpts "no-new-privileges:true"`);
  const added = asArray(asRecord(props.capabilities).adds);
  if (added.length > 0) report(`${name} adds capabilities ${added.join(", ")}: remove them`);
}

function checkPod(spec: Props, report: ReportViolation): void {
  const pod = asRecord(spec.securityContext);
  for (const c of podContainers(spec)) {
    const own = asRecord(c.securityContext);
    const name = `container ${String(c.name)}`;
    const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
    const runAsUser = own.runAsUser ?? pod.runAsUser;
    if (runAsNonRoot !== true && !(typeof runAsUser === "number" && runAsUser > 0)) report(`${name} may run as root: set securityContext.runAsNonRoot: true (and a runAsUser)`);
    if (runAsUser === 0) report(`${name} runs as uid 0: set a non-zero runAsUser`);
    if (own.allowPrivilegeEscalation !== false) report(`${name} may escalate privileges: set securityContext.allowPrivilegeEscalation: false`);
    if (own.privileged === true) report(`${name} is privileged: remove privileged`);
  }
}
