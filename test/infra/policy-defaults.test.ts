/** What the policy pack demands of the targets, as the shipped stacks plan it: Multi-AZ, access logs, protection, non-root. */
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../infra/config.js";
import { containers, find, runStack, unwrap } from "../support/pulumi-mocks.js";
import { containerDefinitions, ofType } from "./aws-support.js";

const AWS = { target: "aws" };

describe("iron:aws.multiAz", () => {
  it("is on by default and can be turned off", async () => {
    const [on, off] = await Promise.all([runStack("panel-clis", AWS), runStack("panel-clis", { ...AWS, aws: { multiAz: false } })]);
    expect(find(on, "aws:rds/instance:Instance", "control-panel-db").inputs.multiAz).toBe(true);
    expect(find(off, "aws:rds/instance:Instance", "control-panel-db").inputs.multiAz).toBe(false);
  });

  it("takes a boolean only, and says so", () => {
    expect(checkConfig({ strategy: "full", aws: { multiAz: "yes" } }).problems).toEqual(['iron:aws.multiAz: "yes" is a string, expected boolean']);
  });
});

describe("the stack's access-log bucket on aws", async () => {
  const [panel, unprotected] = await Promise.all([
    runStack("panel-clis", AWS),
    runStack("sandbox-only", { ...AWS, aws: { deletionProtection: false, logRetentionDays: 7 } }),
  ]);

  it("receives the access logs of every other bucket, each under its own prefix", () => {
    const logging = ofType(panel, "aws:s3/bucketLogging:BucketLogging").map((l) => l.inputs);
    expect(logging).toEqual([{ bucket: "cli-downloads-bucket-mock", targetBucket: "access-logs-bucket-mock", targetPrefix: "cli-downloads-bucket/" }]);
    expect(ofType(unprotected, "aws:s3/bucketLogging:BucketLogging").map((l) => l.inputs.bucket)).toEqual(["sandbox-node-artifacts-mock"]);
  });

  it("is private, encrypted, expires its logs after iron:aws.logRetentionDays and admits only S3's log delivery for this account", () => {
    expect(find(panel, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "access-logs-bucket-public-access").inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(find(panel, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "access-logs-bucket-encryption").inputs.rules).toEqual([expect.objectContaining({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } })]);
    const days = (run: typeof panel) => (find(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "access-logs-retention").inputs.rules as { expiration: { days: number } }[])[0]!.expiration.days;
    expect([days(panel), days(unprotected)]).toEqual([30, 7]);
    const policy = JSON.parse(unwrap(find(panel, "aws:s3/bucketPolicy:BucketPolicy", "access-logs-policy").inputs.policy) as string);
    expect(policy.Statement).toEqual([expect.objectContaining({
      Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::access-logs-bucket-mock/*",
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    })]);
  });

  it("is kept on destroy unless deletion protection is off", () => {
    expect(find(panel, "aws:s3/bucket:Bucket", "access-logs-bucket").inputs.forceDestroy).toBe(false);
    expect(find(unprotected, "aws:s3/bucket:Bucket", "access-logs-bucket").inputs.forceDestroy).toBe(true);
  });

  it("guards the load balancer with deletion protection, and runs the tasks as 1000:1000", () => {
    expect(find(panel, "aws:lb/loadBalancer:LoadBalancer", "control-panel-lb").inputs.enableDeletionProtection).toBe(true);
    expect(containerDefinitions(panel, "control-panel").map((c) => (c as { user?: string }).user)).toEqual(["1000:1000", "1000:1000"]);
  });

  it("tags the sandbox launch template with its image's OS and kernel", () => {
    expect(find(unprotected, "aws:ec2/launchTemplate:LaunchTemplate", "sandbox-node").inputs.tags).toMatchObject({ "iron:os": "al2023", "iron:kernel": "6.1" });
  });
});

describe("the docker target's services", () => {
  it("run as 1000:1000 with no-new-privileges, the migration step too", async () => {
    const run = await runStack("panel-clis");
    const services = containers(run).filter((c) => c.urn.includes("iron:docker:Service$"));
    expect(services.map((c) => c.name).sort()).toEqual(["control-panel", "control-panel-migrate"]);
    for (const c of services) expect(c.inputs).toMatchObject({ user: "1000:1000", securityOpts: ["no-new-privileges:true"] });
  });
});
