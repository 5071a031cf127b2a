/** No database or cache reachable from outside the stack, on any target. */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { PACKAGES } from "../../infra/catalog";
import { admitsPort, isPublicSource } from "../lib/networks";
import { asArray, asRecord, isWithin, type Props } from "../lib/resources";

/** The data stores' ports, from the catalog (the Control Panel's outbound PostgreSQL and Redis). */
const DATA_STORE_PORTS = PACKAGES["control-panel"].ports.filter((p) => p.name === "postgresql" || p.name === "redis").map((p) => p.port);

const INGRESS_RULES = new Set(["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"]);

export const dataStoresPrivate: ResourceValidationPolicy = {
  name: "iron-data-stores-private",
  description: "No database or cache is reachable from outside the stack: no published Docker port, no public RDS instance, no security group rule from an address range, no Kubernetes Service beyond ClusterIP.",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const { type, props, urn } = args;
    const inDataStore = isWithin(urn, "Database", "Cache");
    if (type === "docker:index/container:Container") return checkDockerContainer(props, inDataStore, report);
    if (type === "aws:rds/instance:Instance" || type === "aws:rds/clusterInstance:ClusterInstance") {
      if (props.publiclyAccessible === true) report("the RDS instance is publicly accessible: set publiclyAccessible to false");
      return;
    }
    if (INGRESS_RULES.has(type)) return checkIngressRule(props, inDataStore, report);
    if (type === "aws:ec2/securityGroup:SecurityGroup") {
      for (const rule of asArray(props.ingress).map(asRecord)) {
        checkIngressRule({ ...rule, type: "ingress" }, inDataStore, report);
      }
      return;
    }
    if (type === "kubernetes:core/v1:Service") checkKubernetesService(props, inDataStore, report);
  },
};

function checkDockerContainer(props: Props, inDataStore: boolean, report: ReportViolation): void {
  const ports = asArray(props.ports).map(asRecord);
  if (inDataStore && ports.length > 0) report(`the data store's container publishes ${ports.map((p) => p.internal).join(", ")} on the host: remove its ports (services reach it on the stack's network)`);
  const exposed = ports.filter((p) => DATA_STORE_PORTS.includes(Number(p.internal)));
  if (!inDataStore && exposed.length > 0) report(`the container publishes a data store port (${exposed.map((p) => p.internal).join(", ")}) on the host`);
  if (inDataStore && props.networkMode === "host") report("the data store's container uses the host's network: put it on the stack's network only");
}

function checkIngressRule(rule: Props, inDataStore: boolean, report: ReportViolation): void {
  if (rule.type !== undefined && rule.type !== "ingress") return;
  const sources = [rule.cidrIpv4, rule.cidrIpv6, rule.prefixListId, ...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks), ...asArray(rule.prefixListIds)]
    .filter((s): s is string => typeof s === "string" && s !== "");
  if (inDataStore && sources.length > 0) {
    report(`the data store's security group admits ${sources.join(", ")}: admit only the services' security group (referencedSecurityGroupId)`);
    return;
  }
  const open = sources.filter(isPublicSource);
  const ports = DATA_STORE_PORTS.filter((port) => admitsPort(rule, port));
  if (open.length > 0 && ports.length > 0) report(`a security group rule admits ${open.join(", ")} to the data store port ${ports.join(", ")}`);
}

function checkKubernetesService(props: Props, inDataStore: boolean, report: ReportViolation): void {
  const spec = asRecord(props.spec);
  const kind = String(spec.type ?? "ClusterIP");
  const external = kind !== "ClusterIP" || asArray(spec.externalIPs).length > 0;
  if (!external) return;
  const ports = asArray(spec.ports).map(asRecord).map((p) => Number(p.targetPort ?? p.port));
  if (inDataStore) report(`the data store's Service is ${kind}${asArray(spec.externalIPs).length ? " with externalIPs" : ""}: make it ClusterIP`);
  else if (ports.some((p) => DATA_STORE_PORTS.includes(p))) report(`a ${kind} Service exposes a data store port (${ports.join(", ")}) outside the cluster`);
}
