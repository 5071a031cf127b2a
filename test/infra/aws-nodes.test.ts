/** The aws target's sandbox nodes under Pulumi's mock runtime (stack sandbox-only with iron:target aws). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failStack, find, repoRoot, runStack } from "../support/pulumi-mocks.js";
import { ARTIFACT_SHA256_TAG, ARTIFACT_TAG } from "../../infra/targets/aws/nodes.js";
import { ofType } from "./aws-support.js";

const AWS = { target: "aws" };
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

describe("sandbox-only on aws, Amazon Linux 2023 (the default)", async () => {
  const run = await runStack("sandbox-only", { ...AWS, sandboxNodes: { count: 2 } });
  const template = find(run, LAUNCH_TEMPLATE, "sandbox-node");

  it("takes the AMI from the Amazon Linux 2023 public SSM parameter", () => {
    expect(template.inputs.imageId).toBe("ami-mock:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
    expect(template.inputs.instanceType).toBe("t3.small");
  });

  it("user data is the node bootstrap, byte for byte", () => {
    const bootstrap = readFileSync(join(repoRoot, "services/sandbox/node/bootstrap.sh"));
    expect(Buffer.from(template.inputs.userData as string, "base64").equals(bootstrap)).toBe(true);
  });

  it("the bootstrap reads the artifact from the instance tags the nodes carry", () => {
    const bootstrap = readFileSync(join(repoRoot, "services/sandbox/node/bootstrap.sh"), "utf8");
    expect(bootstrap).toContain("/latest/meta-data/tags/instance/");
    for (const tag of [ARTIFACT_TAG, ARTIFACT_SHA256_TAG]) expect(bootstrap).toMatch(new RegExp(`\\b${tag}\\b`));
  });

  it("requires IMDSv2, exposes the instance tags the bootstrap reads, and has no SSH key", () => {
    expect(template.inputs.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "enabled" });
    expect(template.inputs.keyName).toBeUndefined();
    const [instance] = template.inputs.tagSpecifications as { resourceType: string; tags: Record<string, string> }[];
    const tarball = readFileSync(join(repoRoot, "services/sandbox/dist", "iron-sandbox-0.1.0-linux-x86_64.tar.gz.sha256"), "utf8").split(" ")[0];
    expect(instance).toMatchObject({
      resourceType: "instance",
      tags: { [ARTIFACT_TAG]: "https://sandbox-node-artifacts-mock.s3.us-east-1.amazonaws.com/sandbox/iron-sandbox-0.1.0-linux-x86_64.tar.gz", [ARTIFACT_SHA256_TAG]: tarball },
    });
  });

  it("the nodes reach SSM and nothing reaches them: managed policy, no inbound rule", () => {
    expect(find(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "sandbox-node-role-policy-1").inputs.policyArn).toBe("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    expect(ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual([]);
    expect((template.inputs.networkInterfaces as { associatePublicIpAddress: string }[])[0]!.associatePublicIpAddress).toBe("false");
  });

  it("an auto-scaling group of the configured size in the private subnets, on the template's latest version", () => {
    expect(find(run, "aws:autoscaling/group:Group", "sandbox-node").inputs).toMatchObject({
      minSize: 2, maxSize: 2, desiredCapacity: 2, vpcZoneIdentifiers: ["network-private-1-id", "network-private-2-id"],
      launchTemplate: { id: "sandbox-node-id", version: "1" },
    });
  });

  it("the tarball sits in a private bucket that admits only this VPC's S3 endpoint", () => {
    expect(find(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "sandbox-node-artifacts-public-access").inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2").map((o) => o.inputs.key).sort()).toEqual([
      "sandbox/iron-sandbox-0.1.0-linux-x86_64.tar.gz", "sandbox/iron-sandbox-0.1.0-linux-x86_64.tar.gz.sha256",
    ]);
    const policy = JSON.parse(find(run, "aws:s3/bucketPolicy:BucketPolicy", "sandbox-node-artifacts-policy").inputs.policy as string) as { Statement: unknown[] };
    expect(policy.Statement).toEqual([expect.objectContaining({ Action: "s3:GetObject", Condition: { StringEquals: { "aws:SourceVpce": "network-s3-id" } } })]);
    expect(find(run, "aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3").inputs).toMatchObject({ vpcEndpointType: "Gateway", serviceName: "com.amazonaws.us-east-1.s3" });
  });
});

describe("sandbox-only on aws, other choices", () => {
  it("Debian 12 nodes come from Debian's public SSM parameter; SSH only when iron:aws.nodeSsh asks", async () => {
    const run = await runStack("sandbox-only", { ...AWS, sandboxNodes: { os: "debian-12" }, aws: { nodeSsh: { keyName: "ops", cidr: "203.0.113.0/24" } } });
    const template = find(run, LAUNCH_TEMPLATE, "sandbox-node");
    expect(template.inputs.imageId).toBe("ami-mock:/aws/service/debian/release/12/latest/amd64");
    expect(template.inputs.keyName).toBe("ops");
    expect(ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs)).toEqual([
      expect.objectContaining({ securityGroupId: "sandbox-node-sg-id", cidrIpv4: "203.0.113.0/24", fromPort: 22, toPort: 22 }),
    ]);
  });

  it("an ARM instance type needs an aarch64 tarball, and the error says how to get one", async () => {
    const stderr = await failStack("sandbox-only", { ...AWS, sandboxNodes: { instanceType: "t4g.small" } });
    expect(stderr).toContain("services/sandbox/dist has no iron-sandbox-<version>-linux-aarch64.tar.gz with its .sha256: build it with `npm run build:artifact -w services/sandbox`");
  });
});
