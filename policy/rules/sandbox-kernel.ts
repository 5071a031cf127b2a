/**
 * The sandbox runs only on nodes that meet its kernel requirement (the
 * catalog's linux-kernel range: Landlock). Each target states the node's
 * kernel differently: the aws launch template carries the image's kernel as a
 * tag; a docker node probes the host's kernel as its health check and the
 * deployment waits on it; a Kubernetes pod must be scheduled by a node label
 * that certifies the kernel.
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import semver from "semver";
import { requirement } from "../../infra/catalog";
import { asArray, asRecord, packageOf, type Props } from "../lib/resources";
import { isPodWorkload, podSpec } from "../lib/workloads";

const KERNEL = requirement("linux-kernel");
/** The tag on a sandbox launch template naming the kernel series its image ships (infra/targets/aws/ami.ts). */
export const KERNEL_TAG = "iron:kernel";
/**
 * Node labels that certify a kernel feature the sandbox needs: NFD's kernel labels, or the kubernetes target's
 * `iron.dev/sandbox-ready`, which its labeller sets only where the sandbox's own probe passed (Landlock active).
 */
const KERNEL_LABEL = /kernel|landlock|sandbox-ready/i;
/** The kubernetes target's node labeller probes every node by design (it is what certifies them): not a sandbox workload. */
const LABELLER_COMPONENT = "labeller";

export const sandboxKernel: ResourceValidationPolicy = {
  name: "iron-sandbox-kernel",
  description: `The sandbox runs only on nodes whose kernel meets ${KERNEL.name} ${KERNEL.display} (${KERNEL.note ?? ""}): aws launch templates state it (tag ${KERNEL_TAG}), docker nodes probe it before the deployment succeeds, Kubernetes pods select nodes labelled for it.`,
  validateResource: ({ type, props }, report) => {
    if (packageOf(props) !== "sandbox") return;
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") checkLaunchTemplate(props, report);
    else if (type === "docker:index/container:Container") checkDockerNode(props, report);
    else if (isPodWorkload(type) && asRecord(asRecord(props.metadata).labels)["app.kubernetes.io/component"] !== LABELLER_COMPONENT) {
      checkPod(podSpec(type, props), report);
    }
  },
};

function checkLaunchTemplate(props: Props, report: ReportViolation): void {
  const kernel = asRecord(props.tags)[KERNEL_TAG];
  const version = semver.coerce(typeof kernel === "string" ? kernel : "");
  if (!version) report(`the sandbox launch template does not state its image's kernel: tag it ${KERNEL_TAG} (the kernel series the AMI ships)`);
  else if (KERNEL.range && !semver.satisfies(version, KERNEL.range)) report(`the sandbox nodes' image ships kernel ${String(kernel)}; the sandbox needs ${KERNEL.name} ${KERNEL.display}: choose another iron:sandboxNodes.os`);
}

function checkDockerNode(props: Props, report: ReportViolation): void {
  const probe = asArray(asRecord(props.healthcheck).tests).map(String);
  if (!probe.includes("--probe")) report("the sandbox container does not probe the host's kernel: its health check must run `iron-sandbox --probe`");
  if (props.wait !== true) report("the deployment does not wait for the sandbox container's kernel probe: set wait: true");
}

function checkPod(spec: Props, report: ReportViolation): void {
  const selected = Object.keys(asRecord(spec.nodeSelector));
  const required = asArray(asRecord(asRecord(asRecord(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms)
    .flatMap((t) => asArray(asRecord(t).matchExpressions).map((e) => String(asRecord(e).key)));
  if (![...selected, ...required].some((key) => KERNEL_LABEL.test(key))) {
    report(`the sandbox pods may land on any node: select nodes labelled for ${KERNEL.name} ${KERNEL.display} (a nodeSelector or required node affinity on a kernel/landlock label)`);
  }
}
