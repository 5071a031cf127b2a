/**
 * The aws target: managed services for every building block. A network is
 * created for any stack; the ECS cluster only when a service is deployed.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Target, TargetContext } from "../target.js";
import { AwsAccessLogs } from "./access-logs.js";
import { AwsCache } from "./cache.js";
import { AwsCluster } from "./cluster.js";
import type { AwsDeployment } from "./context.js";
import { AwsDatabase } from "./database.js";
import { AwsNetwork } from "./network.js";
import { AwsSandboxNodes } from "./nodes.js";
import { AwsService } from "./service.js";
import { AwsStaticSite } from "./site.js";

export function createAwsTarget(ctx: TargetContext): Target {
  const { config, root, parent } = ctx;
  const deployment: AwsDeployment = {
    prefix: `iron-${config.stack}`,
    tags: { "iron:stack": config.stack, "iron:managed-by": "pulumi" },
    settings: config.aws,
    root,
  };
  for (const key of ["postgres", "redis", "nginx"] as const) {
    if (config.images[key]) pulumi.log.warn(`iron:images.${key} is not used on the aws target (it runs RDS, ElastiCache and CloudFront); remove it, or see iron:aws for engine versions`, parent);
  }
  const network = once(() => new AwsNetwork("network", deployment, { parent }));
  const cluster = once(() => new AwsCluster("cluster", { deployment, network: network() }, { parent }));
  const accessLogs = once(() => new AwsAccessLogs("access-logs", deployment, { parent }));
  return {
    name: "aws",
    // Platform names the database, cache and service after the package they belong to.
    database: (args) => new AwsDatabase(`${args.name}-db`, { ...args, package: args.name, deployment, network: network() }, { parent }),
    cache: (args) => new AwsCache(`${args.name}-cache`, { ...args, package: args.name, deployment, network: network() }, { parent }),
    service: (args) => new AwsService(args.name, { ...args, deployment, network: network(), cluster: cluster(), domain: config.domain, accessLogs }, { parent }),
    staticSite: (args) => new AwsStaticSite(args.name, { ...args, package: args.siteDir ? "marketing-site" : "cli", deployment, accessLogs: accessLogs() }, { parent }),
    nodes: (args) => new AwsSandboxNodes(args.name, { ...args, deployment, network: network(), accessLogs: accessLogs() }, { parent }),
  };
}

/** Creates the resource on first use, so a stack gets only the shared pieces it needs. */
function once<T extends pulumi.Resource>(create: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= create());
}
