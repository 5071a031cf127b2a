import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Database, DatabaseArgs } from "../target.js";
import { tagsFor, type AwsDeployment } from "./context.js";
import type { AwsNetwork } from "./network.js";
import { storeSecret } from "./secrets.js";
import { servicesOnlyGroup } from "./security-rules.js";
import { assertEngineMajor } from "./versions.js";

export interface AwsDatabaseArgs extends DatabaseArgs {
  deployment: AwsDeployment;
  network: AwsNetwork;
  /** The package the database belongs to (tags). */
  package: string;
}

const PORT = 5432;

/**
 * RDS PostgreSQL in the private subnets: encrypted, never publicly accessible,
 * reachable only from the services' security group, backups retained, and
 * (by default) deletion protection and a final snapshot. The master password
 * is generated and kept in Secrets Manager.
 */
export class AwsDatabase extends pulumi.ComponentResource implements Database {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;

  constructor(name: string, args: AwsDatabaseArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:Database", name, {}, opts);
    const { settings, prefix } = args.deployment;
    assertEngineMajor("postgresVersion", settings.postgresVersion, args.minMajor, "PostgreSQL");
    const parent = { parent: this };
    const tags = tagsFor(args.deployment, args.package, name);
    // RDS database and user names are alphanumeric.
    const identifier = args.name.replace(/[^a-z0-9]/gi, "");

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
    const securityGroup = servicesOnlyGroup(name, { vpcId: args.network.vpcId, servicesGroupId: args.network.servicesSecurityGroupId, port: PORT, what: "PostgreSQL", tags }, this);
    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.network.privateSubnetIds, tags }, parent);

    const instance = new aws.rds.Instance(name, {
      engine: "postgres",
      engineVersion: settings.postgresVersion,
      instanceClass: settings.dbInstanceClass,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: "gp3",
      storageEncrypted: true,
      dbName: identifier,
      username: identifier,
      password: password.result,
      port: PORT,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [securityGroup.id],
      publiclyAccessible: false,
      multiAz: settings.multiAz,
      backupRetentionPeriod: settings.backupRetentionDays,
      deletionProtection: settings.deletionProtection,
      skipFinalSnapshot: !settings.finalSnapshot,
      finalSnapshotIdentifier: settings.finalSnapshot ? `${prefix}-${name}-final` : undefined,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      tags,
    }, parent);

    storeSecret(`${name}-master`, pulumi.jsonStringify({
      engine: "postgres", host: instance.address, port: PORT, username: identifier, password: password.result, dbname: identifier,
    }), `${prefix} ${args.name}: RDS PostgreSQL master credentials`, tags, this);

    this.host = instance.address;
    this.port = pulumi.output(PORT);
    // RDS requires TLS; its CA is not in Node's trust store, so the link is encrypted without verifying the server (see README).
    this.url = pulumi.secret(pulumi.interpolate`postgres://${identifier}:${password.result}@${instance.address}:${PORT}/${identifier}?sslmode=no-verify`);
    this.registerOutputs({ host: this.host, port: this.port });
  }
}
