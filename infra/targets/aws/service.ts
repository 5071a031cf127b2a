import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Service, ServiceArgs } from "../target.js";
import type { AwsAccessLogs } from "./access-logs.js";
import type { AwsCluster } from "./cluster.js";
import { tagsFor, type AwsDeployment } from "./context.js";
import { ecrImage } from "./image.js";
import { AwsLoadBalancer } from "./load-balancer.js";
import type { AwsNetwork } from "./network.js";
import { serviceRole } from "./roles.js";
import { storeSecret } from "./secrets.js";
import { allowTcp } from "./security-rules.js";
import { AwsVolume } from "./volume.js";

export interface AwsServiceArgs extends ServiceArgs {
  deployment: AwsDeployment;
  network: AwsNetwork;
  cluster: AwsCluster;
  domain?: string;
  /** The stack's log bucket, made on first use: only a service with a load balancer asks for it. */
  accessLogs: () => AwsAccessLogs;
}

const EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/**
 * An ECS Fargate service: the image in ECR, secrets from Secrets Manager (never
 * plain environment values), logs in CloudWatch with retention, a deployment
 * circuit breaker that rolls back, a DNS name inside the VPC, and when
 * internet-facing an ALB in front. A predecessor (e.g. migrations) runs as a
 * non-essential container of the same task that the service's container waits
 * on (dependsOn SUCCESS).
 */
export class AwsService extends pulumi.ComponentResource implements Service {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly internalUrl: pulumi.Output<string>;

  constructor(name: string, args: AwsServiceArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:Service", name, {}, opts);
    const parent = { parent: this };
    const { deployment, network, cluster } = args;
    const tags = tagsFor(deployment, args.package, name);
    const image = ecrImage(`${name}-image`, args.image, deployment, tags, this);
    const logs = new aws.cloudwatch.LogGroup(`${name}-logs`, {
      name: `/iron/${deployment.prefix}/${name}`, retentionInDays: deployment.settings.logRetentionDays, tags,
    }, parent);

    const secrets = Object.entries(args.secretEnv).map(([key, value]) => ({
      key, ...storeSecret(`${name}-${key.toLowerCase().replace(/_/g, "-")}`, value, `${deployment.prefix} ${name}: ${key}`, tags, this),
    }));
    const executionRole = serviceRole(`${name}-execution`, "ecs-tasks.amazonaws.com", [EXECUTION_POLICY], tags, this);
    if (secrets.length > 0) {
      new aws.iam.RolePolicy(`${name}-read-secrets`, {
        role: executionRole.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secrets.map((s) => s.secret.arn) }],
        }),
      }, parent);
    }
    // The services call no AWS API: their task role grants nothing beyond mounting their volume.
    const taskRole = serviceRole(`${name}-task`, "ecs-tasks.amazonaws.com", [], tags, this);
    const volume = args.dataPath ? new AwsVolume(`${name}-data`, { network, tags }, parent) : undefined;
    if (volume) {
      new aws.iam.RolePolicy(`${name}-mount-data`, {
        role: taskRole.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{
            Effect: "Allow",
            Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            Resource: volume.fileSystemArn,
            Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": volume.accessPointArn } },
          }],
        }),
      }, parent);
    }

    const region = aws.getRegionOutput({}, parent).region;
    const container = (containerName: string, command: string[] | undefined) => ({
      name: containerName,
      image: image.ref,
      // The images' USER (the volume's access point is owned by it), stated so a policy can see the task runs as non-root.
      user: "1000:1000",
      command,
      environment: Object.entries(args.env).map(([key, value]) => ({ name: key, value })),
      secrets: secrets.map((s) => ({ name: s.key, valueFrom: s.secret.arn })),
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": logs.name, "awslogs-region": region, "awslogs-stream-prefix": containerName } },
    });
    const step = args.predecessor;
    const containers = [
      ...(step ? [{ ...container(step.name, step.command), essential: false }] : []),
      {
        ...container(name, args.command),
        essential: true,
        portMappings: [{ containerPort: args.port, protocol: "tcp" }],
        healthCheck: { command: ["CMD", "node", "-e", httpProbe(args.port, args.healthPath)], interval: 15, timeout: 5, retries: 3, startPeriod: 30 },
        ...(step ? { dependsOn: [{ containerName: step.name, condition: "SUCCESS" }] } : {}),
        ...(args.dataPath ? { mountPoints: [{ sourceVolume: "data", containerPath: args.dataPath, readOnly: false }] } : {}),
      },
    ];
    const task = new aws.ecs.TaskDefinition(name, {
      family: `${deployment.prefix}-${name}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "512",
      memory: "1024",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      containerDefinitions: pulumi.jsonStringify(containers),
      volumes: volume ? [{
        name: "data",
        efsVolumeConfiguration: { fileSystemId: volume.fileSystemId, transitEncryption: "ENABLED", authorizationConfig: { accessPointId: volume.accessPointId, iam: "ENABLED" } },
      }] : [],
      tags,
    }, parent);

    // Other services reach this one on its port, inside the services' group.
    allowTcp(`${name}-from-services`, { to: network.servicesSecurityGroupId, from: network.servicesSecurityGroupId, port: args.port, description: `${name} from the other services` }, this);
    const discovery = new aws.servicediscovery.Service(`${name}-discovery`, {
      name,
      dnsConfig: { namespaceId: cluster.namespaceId, dnsRecords: [{ type: "A", ttl: 10 }], routingPolicy: "MULTIVALUE" },
      healthCheckCustomConfig: { failureThreshold: 1 },
      tags,
    }, parent);
    const internetFacing = args.internetFacing ?? args.public;
    if (args.public && !internetFacing) {
      // Public but kept inside: whatever runs in the VPC (agents, sandbox nodes) may call it.
      new aws.vpc.SecurityGroupIngressRule(`${name}-from-vpc`, {
        securityGroupId: network.servicesSecurityGroupId, cidrIpv4: network.cidrBlock, ipProtocol: "tcp", fromPort: args.port, toPort: args.port,
        description: `${name} from inside the VPC`,
      }, parent);
    }
    const balancer = internetFacing
      ? new AwsLoadBalancer(`${name}-lb`, {
        network, port: args.port, healthPath: args.healthPath, domain: args.domain, deletionProtection: deployment.settings.deletionProtection,
        accessLogs: args.accessLogs().loadBalancerLogs, tags,
      }, parent)
      : undefined;

    new aws.ecs.Service(name, {
      cluster: cluster.arn,
      taskDefinition: task.arn,
      desiredCount: 1,
      launchType: "FARGATE",
      networkConfiguration: { subnets: network.workloadSubnetIds, securityGroups: [network.servicesSecurityGroupId], assignPublicIp: network.workloadsNeedPublicIp },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // One writer of the volume at a time: the old task stops before the new one starts.
      ...(volume ? { deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 } : {}),
      loadBalancers: balancer ? [{ targetGroupArn: balancer.targetGroupArn, containerName: name, containerPort: args.port }] : [],
      healthCheckGracePeriodSeconds: balancer ? 120 : undefined,
      serviceRegistries: { registryArn: discovery.arn },
      propagateTags: "SERVICE",
      waitForSteadyState: true,
      tags,
    }, { parent: this, dependsOn: [...args.dependsOn, ...image.resources, ...secrets.map((s) => s.version), ...(balancer?.listeners ?? []), ...(volume?.mountTargets ?? [])] });

    this.internalUrl = pulumi.output(`http://${name}.${cluster.namespace}:${args.port}`);
    this.url = balancer ? balancer.url : this.internalUrl;
    this.registerOutputs({ url: this.url, internalUrl: this.internalUrl });
  }
}

/** A check the container runs on itself: GET healthPath answers 2xx (our images have node). */
function httpProbe(port: number, path: string): string {
  return `fetch('http://127.0.0.1:${port}${path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
}
