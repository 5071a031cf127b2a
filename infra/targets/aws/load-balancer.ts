import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerLogTarget } from "./access-logs.js";
import type { AwsNetwork } from "./network.js";
import { allowTcp, allowTcpFromInternet } from "./security-rules.js";

export interface AwsLoadBalancerArgs {
  network: AwsNetwork;
  /** The port the service's tasks listen on. */
  port: number;
  healthPath: string;
  /** `iron:domain`: HTTPS on 443 with an ACM certificate; without it, plain HTTP on 80. */
  domain?: string;
  /** `iron:aws.deletionProtection`: the load balancer refuses deletion until it is turned off. */
  deletionProtection: boolean;
  /** The stack's log bucket: access logs go there, under its load balancer prefix. */
  accessLogs: LoadBalancerLogTarget;
  tags: Record<string, string>;
}

/** TLS 1.3 and 1.2 only. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * An internet-facing ALB in the public subnets forwarding to a service's tasks,
 * health-checked on its readiness path, its access logs in the stack's log bucket. With a domain: HTTPS with an ACM
 * certificate (DNS-validated: the record to create is logged) and HTTP
 * redirected to it. Without: plain HTTP, with a warning.
 */
export class AwsLoadBalancer extends pulumi.ComponentResource {
  readonly targetGroupArn: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  /** The listeners: a service registers targets only once they exist. */
  readonly listeners: aws.lb.Listener[];

  constructor(name: string, args: AwsLoadBalancerArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:LoadBalancer", name, {}, opts);
    const parent = { parent: this };
    const { network, tags } = args;
    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: network.vpcId, description: "load balancer: HTTP(S) from the internet", tags }, parent);
    for (const port of args.domain ? [80, 443] : [80]) allowTcpFromInternet(`${name}-in-${port}`, securityGroup.id, port, this);
    new aws.vpc.SecurityGroupEgressRule(`${name}-to-tasks`, {
      securityGroupId: securityGroup.id, referencedSecurityGroupId: network.servicesSecurityGroupId,
      ipProtocol: "tcp", fromPort: args.port, toPort: args.port, description: "to the service's tasks",
    }, parent);
    allowTcp(`${name}-to-service`, { to: network.servicesSecurityGroupId, from: securityGroup.id, port: args.port, description: "from the load balancer" }, this);

    const balancer = new aws.lb.LoadBalancer(name, {
      loadBalancerType: "application",
      internal: false,
      securityGroups: [securityGroup.id],
      subnets: network.publicSubnetIds,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: args.deletionProtection,
      accessLogs: { enabled: true, bucket: args.accessLogs.bucket, prefix: args.accessLogs.prefix },
      tags,
    }, { parent: this, dependsOn: [args.accessLogs.policy] }); // AWS checks it may write there when logging is turned on
    // Target group names are at most 32 characters, auto-naming suffix included: keep the logical name short.
    const targets = new aws.lb.TargetGroup(`${name}-tg`, {
      port: args.port,
      protocol: "HTTP",
      targetType: "ip",
      vpcId: network.vpcId,
      deregistrationDelay: 30,
      healthCheck: { path: args.healthPath, matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
      tags,
    }, parent);
    const forward = [{ type: "forward", targetGroupArn: targets.arn }];

    if (args.domain) {
      const certificateArn = this.certificate(name, args.domain, tags);
      this.listeners = [
        new aws.lb.Listener(`${name}-https`, { loadBalancerArn: balancer.arn, port: 443, protocol: "HTTPS", sslPolicy: TLS_POLICY, certificateArn, defaultActions: forward, tags }, parent),
        new aws.lb.Listener(`${name}-http`, {
          loadBalancerArn: balancer.arn, port: 80, protocol: "HTTP",
          defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }], tags,
        }, parent),
      ];
      this.url = pulumi.output(`https://${args.domain}`);
    } else {
      pulumi.log.warn("iron:domain is not set: the Control Panel is served over plain HTTP on the load balancer's DNS name; set iron:domain for HTTPS with an ACM certificate", this);
      this.listeners = [new aws.lb.Listener(`${name}-http`, { loadBalancerArn: balancer.arn, port: 80, protocol: "HTTP", defaultActions: forward, tags }, parent)];
      this.url = pulumi.interpolate`http://${balancer.dnsName}`;
    }
    this.targetGroupArn = targets.arn;
    this.registerOutputs({ url: this.url, dnsName: balancer.dnsName });
  }

  /** A DNS-validated certificate; `pulumi up` waits until the operator's DNS has the validation record. */
  private certificate(name: string, domain: string, tags: Record<string, string>): pulumi.Output<string> {
    const certificate = new aws.acm.Certificate(`${name}-certificate`, { domainName: domain, validationMethod: "DNS", tags }, { parent: this });
    certificate.domainValidationOptions.apply((options) => {
      for (const o of options) pulumi.log.warn(`${domain}: create DNS record ${o.resourceRecordName} ${o.resourceRecordType} ${o.resourceRecordValue} to validate the certificate, and point ${domain} at the load balancer`, this);
    });
    const validation = new aws.acm.CertificateValidation(`${name}-certificate-validation`, { certificateArn: certificate.arn }, { parent: this });
    return validation.certificateArn;
  }
}
