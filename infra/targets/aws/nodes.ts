import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Nodes, NodesArgs } from "../target.js";
import { archOf, assertKernel, NODE_IMAGES, type NodeOs } from "./ami.js";
import type { AwsAccessLogs } from "./access-logs.js";
import { allowGetObject, privateBucket } from "./bucket.js";
import { tagsFor, type AwsDeployment } from "./context.js";
import type { AwsNetwork } from "./network.js";
import { serviceRole } from "./roles.js";
import { sandboxTarball } from "./sandbox-artifact.js";
import { allowAllEgress } from "./security-rules.js";

export interface AwsNodesArgs extends NodesArgs {
  deployment: AwsDeployment;
  network: AwsNetwork;
  accessLogs: AwsAccessLogs;
}

/**
 * Instance tags the node bootstrap reads through the instance metadata service
 * (IMDSv2, instance tags enabled) when IRON_SANDBOX_ARTIFACT is not set: the
 * user data stays the bootstrap file, unchanged.
 */
export const ARTIFACT_TAG = "IronSandboxArtifact";
export const ARTIFACT_SHA256_TAG = "IronSandboxArtifactSha256";

const SSM_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
const DEFAULT_ARTIFACT_DIR = "services/sandbox/dist";

/**
 * Sandbox nodes: an auto-scaling group of EC2 instances from a launch template.
 * The AMI comes from the OS's AWS public SSM parameter; the user data is the
 * sandbox node bootstrap, byte for byte; the bootstrap fetches the sandbox
 * tarball from a private bucket that admits only this VPC's S3 endpoint.
 * IMDSv2 is required; shell access is through SSM Session Manager, with no
 * SSH key and no inbound rule unless `iron:aws.nodeSsh` asks for them.
 */
export class AwsSandboxNodes extends pulumi.ComponentResource implements Nodes {
  readonly resource: pulumi.Resource = this;
  readonly summary: pulumi.Output<string[]>;

  constructor(name: string, args: AwsNodesArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:SandboxNodes", name, {}, opts);
    const { deployment, network } = args;
    const os = args.os as NodeOs;
    const image = NODE_IMAGES[os];
    assertKernel(os, args.requirements);
    const arch = archOf(args.instanceType);
    const tarball = sandboxTarball(deployment.root, args.artifactDir ?? DEFAULT_ARTIFACT_DIR, arch);
    const bootstrap = readFileSync(join(deployment.root, args.bootstrap));
    const tags = tagsFor(deployment, "sandbox", name);
    const parent = { parent: this };

    const artifacts = privateBucket(`${name}-artifacts`, tags, this);
    args.accessLogs.logAccessOf(`${name}-artifacts`, artifacts.bucket, this);
    const key = `sandbox/${tarball.file}`;
    const tarballObject = new aws.s3.BucketObjectv2(`${name}-tarball`, {
      bucket: artifacts.bucket.id, key, source: new pulumi.asset.FileAsset(tarball.path), contentType: "application/gzip", tags,
    }, parent);
    const checksumObject = new aws.s3.BucketObjectv2(`${name}-tarball-sha256`, {
      bucket: artifacts.bucket.id, key: `${key}.sha256`, source: new pulumi.asset.FileAsset(tarball.checksumPath), contentType: "text/plain; charset=utf-8", tags,
    }, parent);
    // Unsigned GETs (the bootstrap uses curl) are admitted from this VPC's S3 endpoint only, which S3 does not count as public.
    const policy = allowGetObject(`${name}-artifacts-policy`, artifacts, {
      keys: "sandbox/*",
      principal: { AWS: "*" },
      condition: { StringEquals: { "aws:SourceVpce": network.s3EndpointId } },
    }, this);
    const artifactUrl = pulumi.interpolate`https://${artifacts.bucket.bucketRegionalDomainName}/${key}`;

    const role = serviceRole(`${name}-role`, "ec2.amazonaws.com", [SSM_POLICY], tags, this);
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, parent);
    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
      vpcId: network.vpcId,
      description: "sandbox nodes: no inbound (shell via SSM); outbound for packages, SSM and the artifact",
      tags,
    }, parent);
    allowAllEgress(`${name}-egress`, securityGroup.id, this);
    const ssh = deployment.settings.nodeSsh;
    if (ssh) {
      new aws.vpc.SecurityGroupIngressRule(`${name}-ssh`, {
        securityGroupId: securityGroup.id, cidrIpv4: ssh.cidr, ipProtocol: "tcp", fromPort: 22, toPort: 22, description: "SSH (iron:aws.nodeSsh)",
      }, parent);
    }

    const ami = aws.ssm.getParameterOutput({ name: image.parameter(arch) }, parent);
    const instanceTags = { ...tags, [ARTIFACT_TAG]: artifactUrl, [ARTIFACT_SHA256_TAG]: tarball.sha256 };
    const template = new aws.ec2.LaunchTemplate(name, {
      namePrefix: `${deployment.prefix}-${name}-`,
      description: `${deployment.prefix} sandbox node (${os}, ${arch})`,
      imageId: ami.value,
      instanceType: args.instanceType,
      keyName: ssh?.keyName,
      userData: bootstrap.toString("base64"),
      iamInstanceProfile: { arn: profile.arn },
      networkInterfaces: [{
        associatePublicIpAddress: String(network.workloadsNeedPublicIp),
        securityGroups: [securityGroup.id],
        deleteOnTermination: "true",
      }],
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "enabled" },
      blockDeviceMappings: [{ deviceName: image.rootDevice, ebs: { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
      tagSpecifications: [
        { resourceType: "instance", tags: instanceTags },
        { resourceType: "volume", tags },
      ],
      updateDefaultVersion: true,
      // The image's OS and kernel series, for whoever audits the nodes (policy/rules/sandbox-kernel.ts checks iron:kernel).
      tags: { ...tags, "iron:os": os, "iron:kernel": image.kernel },
    }, parent);

    const group = new aws.autoscaling.Group(name, {
      namePrefix: `${deployment.prefix}-${name}-`,
      minSize: args.count,
      maxSize: args.count,
      desiredCapacity: args.count,
      vpcZoneIdentifiers: network.workloadSubnetIds,
      launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
      healthCheckType: "EC2",
      // A new launch template version (new AMI, new bootstrap, new artifact) replaces the nodes, half at a time.
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 50 } },
      tags: Object.entries(tags).map(([k, value]) => ({ key: k, value, propagateAtLaunch: false })),
    }, { parent: this, dependsOn: [tarballObject, checksumObject, policy] });

    this.summary = group.name.apply((asg) => [
      `${args.count} × ${args.instanceType} ${os} (${arch}) in auto-scaling group ${asg}; shell via SSM Session Manager${ssh ? ` or SSH (key ${ssh.keyName})` : " (no SSH)"}; bootstrap status in /var/lib/iron-sandbox/status.json`,
    ]);
    this.registerOutputs({ summary: this.summary });
  }
}
