/**
 * A service with a data directory (ServiceArgs.dataPath) on aws, built in this
 * process under Pulumi's mock runtime from the blocks themselves.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../infra/config.js";
import { recordingMocks, type CapturedResource } from "../../scripts/lib/mock-program.js";
import { find, repoRoot } from "../support/pulumi-mocks.js";
import { containerDefinitions, ofType } from "./aws-support.js";

describe("an aws service with a data directory", async () => {
  const resources: CapturedResource[] = [];
  await pulumi.runtime.setMocks(recordingMocks("unit", resources), "iron", "unit", false);
  // Imported after setMocks, as a Pulumi program is.
  const { AwsNetwork } = await import("../../infra/targets/aws/network.js");
  const { AwsCluster } = await import("../../infra/targets/aws/cluster.js");
  const { AwsService } = await import("../../infra/targets/aws/service.js");
  const deployment = { prefix: "iron-unit", tags: {}, settings: resolveConfig("unit", { strategy: "agent-only", agentBudget: 10 }).aws, root: repoRoot };
  const network = new AwsNetwork("network", deployment, {});
  const cluster = new AwsCluster("cluster", { deployment, network }, {});
  const service = new AwsService("agent-runtime", {
    name: "agent-runtime", package: "agent-runtime", image: { kind: "ref", ref: "registry.local/iron/agent-runtime:1.0.0" },
    env: {}, secretEnv: {}, port: 8787, healthPath: "/healthz", public: true, internetFacing: false, dependsOn: [],
    dataPath: "/var/lib/iron-runtime", deployment, network, cluster,
    accessLogs: () => { throw new Error("a service without a load balancer asks for no log bucket"); },
  }, {});
  await new Promise((resolve) => service.url.apply(resolve));
  await pulumi.runtime.disconnect();
  const run = { stack: "unit", outputs: {}, secretOutputs: [], resources };

  it("mounts an encrypted EFS access point at the data path, over TLS with IAM", () => {
    const [container] = containerDefinitions(run, "agent-runtime");
    expect(container).toMatchObject({ mountPoints: [{ sourceVolume: "data", containerPath: "/var/lib/iron-runtime", readOnly: false }] });
    expect(find(run, "aws:ecs/taskDefinition:TaskDefinition", "agent-runtime").inputs.volumes).toEqual([{
      name: "data",
      efsVolumeConfiguration: { fileSystemId: "agent-runtime-data-id", transitEncryption: "ENABLED", authorizationConfig: { accessPointId: "agent-runtime-data-access-id", iam: "ENABLED" } },
    }]);
    expect(find(run, "aws:efs/fileSystem:FileSystem", "agent-runtime-data").inputs).toMatchObject({ encrypted: true });
    expect(find(run, "aws:efs/accessPoint:AccessPoint", "agent-runtime-data-access").inputs).toMatchObject({ posixUser: { uid: 1000, gid: 1000 } });
    expect(ofType(run, "aws:efs/mountTarget:MountTarget").map((m) => m.inputs.subnetId)).toEqual(["network-private-1-id", "network-private-2-id"]);
  });

  it("only the services reach NFS, and only this task's role may mount through the access point", () => {
    expect(find(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "agent-runtime-data-from-services").inputs).toMatchObject({
      securityGroupId: "agent-runtime-data-sg-id", referencedSecurityGroupId: "network-services-id", fromPort: 2049, toPort: 2049,
    });
    const policy = JSON.parse(find(run, "aws:iam/rolePolicy:RolePolicy", "agent-runtime-mount-data").inputs.policy as string) as { Statement: unknown[] };
    expect(policy.Statement).toEqual([expect.objectContaining({
      Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
      Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": "arn:aws:mock:us-east-1:123456789012:agent-runtime-data-access" } },
    })]);
  });

  it("never runs two writers: the old task stops before the new one starts", () => {
    expect(find(run, "aws:ecs/service:Service", "agent-runtime").inputs).toMatchObject({ deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100, loadBalancers: [] });
  });
});
