/**
 * The Agent Runtime is never internet-facing: callers inside the stack (agents,
 * sandbox nodes) reach it; nothing outside does.
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { PACKAGES } from "../../infra/catalog";
import { admitsPort, isLoopback, isPublicSource } from "../lib/networks";
import { asArray, asRecord, packageOf, type Props } from "../lib/resources";

const RUNTIME = "agent-runtime";
const RUNTIME_PORT = PACKAGES[RUNTIME].ports.find((p) => p.direction === "inbound")?.port ?? 8787;

export const runtimeInternal: ResourceValidationPolicy = {
  name: "iron-runtime-internal",
  description: `The Agent Runtime is never internet-facing: no load balancer or public Kubernetes Service in front of it, no rule admitting the internet to its port ${RUNTIME_PORT}, and on Docker its port is published on loopback only.`,
  validateResource: ({ type, props }, report) => {
    const ofRuntime = packageOf(props) === RUNTIME;
    switch (type) {
      case "docker:index/container:Container":
        if (ofRuntime) checkDockerContainer(props, report);
        return;
      case "aws:lb/loadBalancer:LoadBalancer":
      case "aws:alb/loadBalancer:LoadBalancer":
        if (ofRuntime && props.internal !== true) report("the Agent Runtime has an internet-facing load balancer: remove it (the runtime is reached inside the VPC)");
        return;
      case "aws:ecs/service:Service":
        if (ofRuntime && asArray(props.loadBalancers).length > 0) report("the Agent Runtime's ECS service is behind a load balancer: remove loadBalancers");
        return;
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        if (isPublicSource(props.cidrIpv4) || isPublicSource(props.cidrIpv6)) {
          if (admitsPort(props, RUNTIME_PORT)) report(`a security group rule admits ${String(props.cidrIpv4 ?? props.cidrIpv6)} to the Agent Runtime's port ${RUNTIME_PORT}`);
        }
        return;
      case "kubernetes:core/v1:Service":
        if (ofRuntime) checkKubernetesService(props, report);
        return;
      case "kubernetes:networking.k8s.io/v1:Ingress":
        checkIngress(props, report);
        return;
    }
  },
};

function checkDockerContainer(props: Props, report: ReportViolation): void {
  if (props.networkMode === "host") report("the Agent Runtime's container uses the host's network: put it on the stack's network");
  for (const port of asArray(props.ports).map(asRecord)) {
    if (!isLoopback(port.ip)) report(`the Agent Runtime's port ${String(port.internal)} is published on ${String(port.ip ?? "every interface")}: publish it on 127.0.0.1 (iron:publishAddress)`);
  }
}

function checkKubernetesService(props: Props, report: ReportViolation): void {
  const spec = asRecord(props.spec);
  const kind = String(spec.type ?? "ClusterIP");
  if (kind !== "ClusterIP") report(`the Agent Runtime's Service is ${kind}: make it ClusterIP`);
  if (asArray(spec.externalIPs).length > 0) report("the Agent Runtime's Service has externalIPs: remove them");
}

/** An Ingress routing to a Service of the runtime (by its name) makes it reachable from outside. */
function checkIngress(props: Props, report: ReportViolation): void {
  const spec = asRecord(props.spec);
  const backends = [asRecord(spec.defaultBackend), ...asArray(spec.rules).flatMap((r) => asArray(asRecord(asRecord(r).http).paths).map((p) => asRecord(asRecord(p).backend)))];
  for (const backend of backends) {
    const service = String(asRecord(backend.service).name ?? "");
    if (service.includes(RUNTIME)) report(`an Ingress routes to ${service}, the Agent Runtime: remove the route`);
  }
}
