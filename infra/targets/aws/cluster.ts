import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsDeployment } from "./context.js";
import type { AwsNetwork } from "./network.js";

/** The ECS Fargate cluster the services run on, and the private DNS namespace they find each other in. */
export class AwsCluster extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly namespaceId: pulumi.Output<string>;
  /** DNS suffix of the services inside the VPC: http://<service>.<namespace>:<port>. */
  readonly namespace: string;

  constructor(name: string, args: { deployment: AwsDeployment; network: AwsNetwork }, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:Cluster", name, {}, opts);
    const { prefix, tags } = args.deployment;
    const cluster = new aws.ecs.Cluster(name, {
      name: prefix,
      settings: [{ name: "containerInsights", value: "enabled" }],
      tags,
    }, { parent: this });
    this.namespace = `${prefix}.internal`;
    const namespace = new aws.servicediscovery.PrivateDnsNamespace(`${name}-namespace`, {
      name: this.namespace,
      vpc: args.network.vpcId,
      description: `${prefix} services`,
      tags,
    }, { parent: this });
    this.arn = cluster.arn;
    this.namespaceId = namespace.id;
    this.registerOutputs({ arn: this.arn, namespace: this.namespace });
  }
}
