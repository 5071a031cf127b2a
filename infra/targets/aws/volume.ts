import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsNetwork } from "./network.js";
import { servicesOnlyGroup } from "./security-rules.js";

/** Our images run as uid and gid 1000 (see USER in each service Dockerfile). */
const OWNER = 1000;
const NFS_PORT = 2049;

/**
 * Storage that outlives a task: an encrypted EFS file system with a mount
 * target per workload subnet, reachable only from the services, backed up,
 * entered through an access point owned by the images' user.
 */
export class AwsVolume extends pulumi.ComponentResource {
  readonly fileSystemId: pulumi.Output<string>;
  readonly fileSystemArn: pulumi.Output<string>;
  readonly accessPointId: pulumi.Output<string>;
  readonly accessPointArn: pulumi.Output<string>;
  /** A task can mount the volume once these exist. */
  readonly mountTargets: aws.efs.MountTarget[];

  constructor(name: string, args: { network: AwsNetwork; tags: Record<string, string> }, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:Volume", name, {}, opts);
    const parent = { parent: this };
    const { network, tags } = args;
    const fileSystem = new aws.efs.FileSystem(name, {
      encrypted: true,
      throughputMode: "elastic",
      lifecyclePolicies: [{ transitionToIa: "AFTER_30_DAYS" }],
      tags,
    }, parent);
    new aws.efs.BackupPolicy(`${name}-backup`, { fileSystemId: fileSystem.id, backupPolicy: { status: "ENABLED" } }, parent);
    const securityGroup = servicesOnlyGroup(name, { vpcId: network.vpcId, servicesGroupId: network.servicesSecurityGroupId, port: NFS_PORT, what: "EFS (NFS)", tags }, this);
    this.mountTargets = network.workloadSubnetIds.map((subnetId, i) =>
      new aws.efs.MountTarget(`${name}-${i + 1}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] }, parent));
    const accessPoint = new aws.efs.AccessPoint(`${name}-access`, {
      fileSystemId: fileSystem.id,
      posixUser: { uid: OWNER, gid: OWNER },
      rootDirectory: { path: "/data", creationInfo: { ownerUid: OWNER, ownerGid: OWNER, permissions: "750" } },
      tags,
    }, parent);
    this.fileSystemId = fileSystem.id;
    this.fileSystemArn = fileSystem.arn;
    this.accessPointId = accessPoint.id;
    this.accessPointArn = accessPoint.arn;
    this.registerOutputs({ fileSystemId: this.fileSystemId });
  }
}
