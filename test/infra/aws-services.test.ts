/** The aws target's database, cache, services and site under Pulumi's mock runtime (stack panel-clis with iron:target aws). */
import { describe, expect, it } from "vitest";
import { failStack, find, runStack } from "../support/pulumi-mocks.js";
import { containerDefinitions, ofType } from "./aws-support.js";

const AWS = { target: "aws" };
const policyOf = (r: { inputs: Record<string, unknown> }) => JSON.parse(r.inputs.policy as string) as { Statement: { Principal: unknown; Condition: unknown; Resource: string }[] };

describe("panel-clis on aws, default settings", async () => {
  const run = await runStack("panel-clis", AWS);
  const servicesGroup = "network-services-id";

  it("RDS PostgreSQL 16: private, encrypted, backed up, protected, snapshotted on delete", () => {
    const db = find(run, "aws:rds/instance:Instance", "control-panel-db");
    expect(db.inputs).toMatchObject({
      engine: "postgres", engineVersion: "16", storageEncrypted: true, publiclyAccessible: false,
      backupRetentionPeriod: 7, deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "iron-panel-clis-control-panel-db-final",
      vpcSecurityGroupIds: ["control-panel-db-sg-id"], dbSubnetGroupName: "control-panel-db-subnets",
    });
    expect(Number((db.inputs.engineVersion as string).split(".")[0])).toBeGreaterThanOrEqual(14);
    expect(find(run, "aws:rds/subnetGroup:SubnetGroup", "control-panel-db-subnets").inputs.subnetIds).toEqual(["network-private-1-id", "network-private-2-id"]);
  });

  it("ElastiCache Redis 7 with TLS in transit, encryption at rest and an auth token", () => {
    const cache = find(run, "aws:elasticache/replicationGroup:ReplicationGroup", "control-panel-cache");
    expect(cache.inputs).toMatchObject({ engine: "redis", engineVersion: "7.1", transitEncryptionEnabled: true, atRestEncryptionEnabled: true });
    expect(Number((cache.inputs.engineVersion as string).split(".")[0])).toBeGreaterThanOrEqual(6);
    expect(cache.inputs.authToken).toBeTruthy();
  });

  it("the database and cache admit only the services' security group, on their port", () => {
    const ingress = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const into = (group: string) => ingress.filter((r) => r.inputs.securityGroupId === group).map((r) => r.inputs);
    expect(into("control-panel-db-sg-id")).toEqual([expect.objectContaining({ referencedSecurityGroupId: servicesGroup, fromPort: 5432, toPort: 5432, ipProtocol: "tcp" })]);
    expect(into("control-panel-cache-sg-id")).toEqual([expect.objectContaining({ referencedSecurityGroupId: servicesGroup, fromPort: 6379, toPort: 6379, ipProtocol: "tcp" })]);
    for (const rule of ingress) {
      if (rule.inputs.cidrIpv4) expect(rule.inputs.securityGroupId, rule.name).toBe("control-panel-lb-sg-id");
    }
  });

  it("runs the migration container first: the panel's container waits for it to succeed", () => {
    const [migrate, panel] = containerDefinitions(run, "control-panel");
    expect(migrate).toMatchObject({ name: "migrate", command: ["migrate"], essential: false });
    expect(panel).toMatchObject({ name: "control-panel", command: ["serve"], essential: true, dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] });
    expect(migrate!.image).toBe(panel!.image);
    expect(migrate!.secrets).toEqual(panel!.secrets);
    expect(panel!.healthCheck!.command.join(" ")).toContain("/readyz");
  });

  it("injects secrets from Secrets Manager only: no secret name in the plain environment", () => {
    const [, panel] = containerDefinitions(run, "control-panel");
    expect(panel!.secrets.map((s) => s.name).sort()).toEqual(["DATABASE_URL", "IRON_ADMIN_PASSWORD", "IRON_MASTER_KEY", "REDIS_URL"]);
    expect(panel!.environment.map((e) => e.name).sort()).toEqual(["HOST", "IRON_ADMIN_EMAIL", "PORT"]);
    const readSecrets = policyOf(find(run, "aws:iam/rolePolicy:RolePolicy", "control-panel-read-secrets")) as unknown as { Statement: { Action: string; Resource: string[] }[] };
    expect(readSecrets.Statement).toEqual([expect.objectContaining({ Action: "secretsmanager:GetSecretValue", Resource: panel!.secrets.map((s) => s.valueFrom) })]);
  });

  it("ECS Fargate in the private subnets with a rolling-back circuit breaker and logs kept 30 days", () => {
    const service = find(run, "aws:ecs/service:Service", "control-panel");
    expect(service.inputs).toMatchObject({
      launchType: "FARGATE", deploymentCircuitBreaker: { enable: true, rollback: true },
      networkConfiguration: { subnets: ["network-private-1-id", "network-private-2-id"], securityGroups: [servicesGroup], assignPublicIp: false },
      loadBalancers: [{ containerName: "control-panel", containerPort: 3000 }],
    });
    expect(find(run, "aws:cloudwatch/logGroup:LogGroup", "control-panel-logs").inputs).toMatchObject({ retentionInDays: 30 });
    const [, panel] = containerDefinitions(run, "control-panel");
    expect(panel!.logConfiguration).toMatchObject({ logDriver: "awslogs", options: { "awslogs-group": "/iron/iron-panel-clis/control-panel" } });
    expect(find(run, "aws:ecr/repository:Repository", "control-panel-image").inputs).toMatchObject({ imageScanningConfiguration: { scanOnPush: true } });
  });

  it("the ALB checks /readyz and, without a domain, listens on plain HTTP with a warning", () => {
    expect(find(run, "aws:lb/targetGroup:TargetGroup", "control-panel-lb-tg").inputs).toMatchObject({
      port: 3000, protocol: "HTTP", targetType: "ip", healthCheck: { path: "/readyz", matcher: "200" },
    });
    expect(ofType(run, "aws:lb/listener:Listener").map((l) => l.inputs)).toEqual([
      expect.objectContaining({ port: 80, protocol: "HTTP", defaultActions: [expect.objectContaining({ type: "forward" })] }),
    ]);
    expect(find(run, "aws:lb/loadBalancer:LoadBalancer", "control-panel-lb").inputs).toMatchObject({ internal: false, subnets: ["network-public-1-id", "network-public-2-id"] });
    expect(run.stderr).toContain("iron:domain is not set: the Control Panel is served over plain HTTP");
  });

  it("the site bucket blocks public access and only its CloudFront distribution (OAC) reads it", () => {
    expect(find(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cli-downloads-bucket-public-access").inputs).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    expect(find(run, "aws:cloudfront/originAccessControl:OriginAccessControl", "cli-downloads-oac").inputs).toMatchObject({
      originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4",
    });
    const distribution = find(run, "aws:cloudfront/distribution:Distribution", "cli-downloads");
    expect(distribution.inputs).toMatchObject({
      origins: [{ originAccessControlId: "cli-downloads-oac-id", domainName: "cli-downloads-bucket-mock.s3.us-east-1.amazonaws.com" }],
      defaultCacheBehavior: { viewerProtocolPolicy: "redirect-to-https", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" },
    });
    const [grant] = policyOf(find(run, "aws:s3/bucketPolicy:BucketPolicy", "cli-downloads-bucket-policy")).Statement;
    expect(grant).toMatchObject({ Principal: { Service: "cloudfront.amazonaws.com" }, Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:mock:us-east-1:123456789012:cli-downloads" } } });
  });

  it("uploads the artifacts with content types and cache headers, and settings.json pointing at the panel", () => {
    const objects = Object.fromEntries(ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2").map((o) => [o.inputs.key as string, o.inputs]));
    expect(objects["downloads/iron-cli-0.1.0.tgz"]).toMatchObject({ contentType: "application/gzip", cacheControl: "public, max-age=300" });
    expect(objects["downloads/SHA256SUMS"]).toMatchObject({ contentType: "text/plain; charset=utf-8" });
    expect(objects["settings.json"]).toMatchObject({ contentType: "application/json", cacheControl: "public, max-age=0, must-revalidate" });
    expect(JSON.parse(objects["settings.json"]!.content as string)).toEqual({
      controlPanelUrl: "http://control-panel-lb-mock.us-east-1.elb.amazonaws.com", signInUrl: "http://control-panel-lb-mock.us-east-1.elb.amazonaws.com/", downloadsUrl: "/downloads/",
    });
  });
});

describe("panel-clis on aws with a domain, no NAT, protection off and image overrides", async () => {
  const images = { controlPanel: "registry.local/iron/control-panel:1.0.0", postgres: "registry.local/postgres:16" };
  const run = await runStack("panel-clis", { ...AWS, domain: "iron.example.com", images, aws: { natGateways: "none", deletionProtection: false, finalSnapshot: false } });

  it("serves HTTPS on 443 with a validated ACM certificate and redirects HTTP", () => {
    expect(find(run, "aws:acm/certificate:Certificate", "control-panel-lb-certificate").inputs).toMatchObject({ domainName: "iron.example.com", validationMethod: "DNS" });
    const listeners = Object.fromEntries(ofType(run, "aws:lb/listener:Listener").map((l) => [l.inputs.port as number, l.inputs]));
    expect(listeners[443]).toMatchObject({ protocol: "HTTPS", certificateArn: "arn:aws:mock:us-east-1:123456789012:control-panel-lb-certificate", defaultActions: [{ type: "forward" }] });
    expect(listeners[80]).toMatchObject({ protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443" } }] });
    expect(run.outputs.controlPanelUrl).toBe("https://iron.example.com");
    expect(run.stderr).toContain("_mock.iron.example.com. CNAME");
  });

  it("without NAT, tasks run in the public subnets with a public address", () => {
    expect(ofType(run, "aws:ec2/natGateway:NatGateway")).toEqual([]);
    expect(find(run, "aws:ecs/service:Service", "control-panel").inputs).toMatchObject({
      networkConfiguration: { subnets: ["network-public-1-id", "network-public-2-id"], assignPublicIp: true },
    });
  });

  it("runs the operator's image as is (no ECR build) and says which overrides aws does not use", () => {
    expect(ofType(run, "aws:ecr/repository:Repository")).toEqual([]);
    expect(containerDefinitions(run, "control-panel").map((c) => c.image)).toEqual([images.controlPanel, images.controlPanel]);
    expect(run.stderr).toContain("iron:images.postgres is not used on the aws target");
  });

  it("deletion protection and the final snapshot follow iron:aws", () => {
    expect(find(run, "aws:rds/instance:Instance", "control-panel-db").inputs).toMatchObject({ deletionProtection: false, skipFinalSnapshot: true });
  });
});

describe("refusals on aws", () => {
  it("refuses PostgreSQL below 14 and Redis below 6, saying what to set", async () => {
    expect(await failStack("panel-clis", { ...AWS, aws: { postgresVersion: "13" } })).toContain('iron:aws.postgresVersion: "13" is PostgreSQL 13; the platform needs PostgreSQL 14 or newer');
    expect(await failStack("panel-clis", { ...AWS, aws: { redisVersion: "5.0" } })).toContain('iron:aws.redisVersion: "5.0" is Redis 5; the platform needs Redis 6 or newer');
  });
});
