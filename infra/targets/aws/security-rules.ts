import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Lets `from` reach `to` on one TCP port, and nothing else. */
export function allowTcp(name: string, args: { to: pulumi.Input<string>; from: pulumi.Input<string>; port: number; description: string }, parent: pulumi.Resource): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(name, {
    securityGroupId: args.to,
    referencedSecurityGroupId: args.from,
    ipProtocol: "tcp",
    fromPort: args.port,
    toPort: args.port,
    description: args.description,
  }, { parent });
}

/** Outbound to anywhere (package mirrors, LLM APIs, AWS endpoints). */
export function allowAllEgress(name: string, securityGroupId: pulumi.Input<string>, parent: pulumi.Resource): aws.vpc.SecurityGroupEgressRule {
  return new aws.vpc.SecurityGroupEgressRule(name, { securityGroupId, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "outbound" }, { parent });
}

/** Inbound on one TCP port from the whole internet (the load balancer's listeners). */
export function allowTcpFromInternet(name: string, securityGroupId: pulumi.Input<string>, port: number, parent: pulumi.Resource): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(name, { securityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0", description: `port ${port} from the internet` }, { parent });
}

/** A security group that admits only the services' group, on one TCP port: for databases, caches and file systems. */
export function servicesOnlyGroup(
  name: string,
  args: { vpcId: pulumi.Input<string>; servicesGroupId: pulumi.Input<string>; port: number; what: string; tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
  const group = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: `${args.what}: reachable only from the services' security group`, tags: args.tags }, { parent });
  allowTcp(`${name}-from-services`, { to: group.id, from: args.servicesGroupId, port: args.port, description: `${args.what} from the services` }, parent);
  return group;
}
