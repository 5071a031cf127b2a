import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Cache, CacheArgs } from "../target.js";
import { tagsFor, type AwsDeployment } from "./context.js";
import type { AwsNetwork } from "./network.js";
import { servicesOnlyGroup } from "./security-rules.js";
import { assertEngineMajor } from "./versions.js";

export interface AwsCacheArgs extends CacheArgs {
  deployment: AwsDeployment;
  network: AwsNetwork;
  package: string;
}

const PORT = 6379;

/** ElastiCache Redis in the private subnets: TLS in transit, encrypted at rest, a generated auth token, reachable only from the services. */
export class AwsCache extends pulumi.ComponentResource implements Cache {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: AwsCacheArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:Cache", name, {}, opts);
    const { settings, prefix } = args.deployment;
    assertEngineMajor("redisVersion", settings.redisVersion, args.minMajor, "Redis");
    const parent = { parent: this };
    const tags = tagsFor(args.deployment, args.package, name);

    // ElastiCache auth tokens: 16–128 printable characters; alphanumeric keeps the URL plain.
    const token = new random.RandomPassword(`${name}-auth-token`, { length: 32, special: false }, parent);
    const securityGroup = servicesOnlyGroup(name, { vpcId: args.network.vpcId, servicesGroupId: args.network.servicesSecurityGroupId, port: PORT, what: "Redis", tags }, this);
    const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { subnetIds: args.network.privateSubnetIds, tags }, parent);

    const group = new aws.elasticache.ReplicationGroup(name, {
      description: `${prefix} ${args.name} cache`,
      engine: "redis",
      engineVersion: settings.redisVersion,
      nodeType: settings.cacheNodeType,
      numCacheClusters: 1,
      port: PORT,
      subnetGroupName: subnets.name,
      securityGroupIds: [securityGroup.id],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: token.result,
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: settings.backupRetentionDays,
      tags,
    }, parent);

    this.url = pulumi.secret(pulumi.interpolate`rediss://:${token.result}@${group.primaryEndpointAddress}:${PORT}`);
    this.registerOutputs({ endpoint: group.primaryEndpointAddress });
  }
}
