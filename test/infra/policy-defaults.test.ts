/** What the policy pack demands of the targets, as the shipped stacks plan it: Multi-AZ, access logs, protection, non-root. */
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../infra/config.js";
import { ELB_ACCOUNT_BY_REGION, SERVICE_PRINCIPAL_REGIONS, elbLogDeliveryPrincipal } from "../../infra/targets/aws/elb-log-delivery.js";
import { containers, failStack, find, runStack, unwrap } from "../support/pulumi-mocks.js";
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

  it("is private, encrypted, expires its logs after iron:aws.logRetentionDays and admits only S3's and ELB's log delivery for this account", () => {
    expect(find(panel, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "access-logs-bucket-public-access").inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(find(panel, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "access-logs-bucket-encryption").inputs.rules).toEqual([expect.objectContaining({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } })]);
    const days = (run: typeof panel) => (find(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "access-logs-retention").inputs.rules as { expiration: { days: number } }[])[0]!.expiration.days;
    expect([days(panel), days(unprotected)]).toEqual([30, 7]);
    const policy = JSON.parse(unwrap(find(panel, "aws:s3/bucketPolicy:BucketPolicy", "access-logs-policy").inputs.policy) as string);
    expect(policy.Statement).toEqual([expect.objectContaining({
      Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::access-logs-bucket-mock/*",
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    }), {
      // us-east-1 (the mock's region) predates August 2022: its Elastic Load Balancing account, from AWS's table.
      Sid: "LoadBalancerAccessLogs", Effect: "Allow", Principal: { AWS: "arn:aws:iam::127311923021:root" }, Action: "s3:PutObject",
      Resource: "arn:aws:s3:::access-logs-bucket-mock/alb/AWSLogs/123456789012/*",
    }]);
  });

  it("receives the load balancer's access logs under alb/, the bucket policy in place first", () => {
    const lb = find(panel, "aws:lb/loadBalancer:LoadBalancer", "control-panel-lb");
    expect(lb.inputs.accessLogs).toEqual({ enabled: true, bucket: "access-logs-bucket-mock", prefix: "alb" });
    expect(lb.dependencies).toContain(find(panel, "aws:s3/bucketPolicy:BucketPolicy", "access-logs-policy").urn);
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

describe("who may write the load balancer's logs, by aws:region", () => {
  const elbStatement = async (region: string) => {
    const run = await runStack("panel-clis", { ...AWS, "aws:region": region });
    const policy = JSON.parse(unwrap(find(run, "aws:s3/bucketPolicy:BucketPolicy", "access-logs-policy").inputs.policy) as string) as { Statement: { Sid: string; Principal: unknown }[] };
    return policy.Statement.find((st) => st.Sid === "LoadBalancerAccessLogs");
  };

  it("a region from before August 2022 grants its ELB account; a newer one the log-delivery service", async () => {
    const [frankfurt, zurich] = await Promise.all([elbStatement("eu-central-1"), elbStatement("eu-central-2")]);
    expect(frankfurt?.Principal).toEqual({ AWS: "arn:aws:iam::054676820928:root" });
    expect(zurich?.Principal).toEqual({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
  });

  it("refuses a region the table does not know, naming it and what to do", async () => {
    expect(await failStack("panel-clis", { ...AWS, "aws:region": "xx-nowhere-1" })).toMatch(/aws:region xx-nowhere-1: the aws target does not know who delivers load balancer access logs there.*choose another region \(pulumi config set aws:region <region>\)/);
  });
});

describe("the ELB log-delivery table", () => {
  it("has one account per pre-August-2022 region, none listed twice, and no region in both lists", () => {
    const accounts = Object.values(ELB_ACCOUNT_BY_REGION);
    expect(accounts).toHaveLength(22);
    expect(new Set(accounts).size).toBe(accounts.length);
    for (const a of accounts) expect(a).toMatch(/^\d{12}$/);
    for (const region of SERVICE_PRINCIPAL_REGIONS) expect(ELB_ACCOUNT_BY_REGION[region], region).toBeUndefined();
    expect(elbLogDeliveryPrincipal("us-west-2")).toEqual({ AWS: "arn:aws:iam::797873946194:root" });
    expect(elbLogDeliveryPrincipal("il-central-1")).toEqual({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
    expect(elbLogDeliveryPrincipal("mars-1")).toBeUndefined();
  });
});
