/**
 * Each rule of the pack has a case that breaks it, so none is a no-op: a
 * resource shaped as the engine hands it over (or a shipped stack's plan with
 * one setting changed), run through the whole pack.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { PlannedResource } from "../../policy/lib/evaluate.js";
import { IRON_RULES } from "../../policy/rules/index.js";
import { asRecord } from "../../policy/lib/resources.js";
import { checkPlan, checkResources, messagesOf, planned } from "./pack-support.js";

const CONTAINER = "docker:index/container:Container";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const broken = new Set<string>();

/** Runs the pack over `resources` and returns `policy`'s messages, remembering that the policy was seen to fail. */
async function violationsOf(policy: string, ...resources: PlannedResource[]): Promise<string[]> {
  const messages = messagesOf(await checkResources(resources), policy);
  if (messages.length > 0) broken.add(policy);
  return messages;
}

function task(container: Record<string, unknown>): PlannedResource {
  return planned(TASK, "task", { containerDefinitions: JSON.stringify([{ name: "app", image: "app", user: "1000:1000", environment: [], ...container }]) }, ["iron:aws:Service"]);
}

function deployment(pod: Record<string, unknown>, labels: Record<string, string> = {}): PlannedResource {
  return planned(DEPLOYMENT, "app", { metadata: { labels }, spec: { template: { spec: pod } } });
}

const SAFE_CONTAINER = { name: "app", image: "app", securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false } };

describe("iron-data-stores-private", () => {
  const rule = "iron-data-stores-private";

  it("refuses a database container that publishes a port, and any container publishing a data store port", async () => {
    expect(await violationsOf(rule, planned(CONTAINER, "db", { ports: [{ internal: 5432, external: 5432 }] }, ["iron:docker:Database"]))).toEqual([expect.stringMatching(/publishes 5432 on the host/)]);
    expect(await violationsOf(rule, planned(CONTAINER, "other", { ports: [{ internal: 6379, external: 6379 }] }))).toEqual([expect.stringMatching(/data store port \(6379\)/)]);
    expect(await violationsOf(rule, planned(CONTAINER, "db", { networkMode: "host" }, ["iron:docker:Cache"]))).toEqual([expect.stringMatching(/host's network/)]);
  });

  it("refuses a public RDS instance and a data store security group open to an address range", async () => {
    expect(await violationsOf(rule, planned("aws:rds/instance:Instance", "db", { publiclyAccessible: true, multiAz: true, storageEncrypted: true }))).toEqual([expect.stringMatching(/publicly accessible/)]);
    const fromRange = planned("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-in", { cidrIpv4: "10.0.0.0/16", ipProtocol: "tcp", fromPort: 5432, toPort: 5432 }, ["iron:aws:Database"]);
    expect(await violationsOf(rule, fromRange)).toEqual([expect.stringMatching(/admits 10\.0\.0\.0\/16/)]);
    const openToAll = planned("aws:ec2/securityGroup:SecurityGroup", "sg", { ingress: [{ protocol: "tcp", fromPort: 6000, toPort: 7000, cidrBlocks: ["0.0.0.0/0"] }] });
    expect(await violationsOf(rule, openToAll)).toEqual([expect.stringMatching(/0\.0\.0\.0\/0 to the data store port 6379/)]);
  });

  it("refuses a Kubernetes data store Service beyond ClusterIP", async () => {
    const service = (type: string, within: string[] = []) => planned("kubernetes:core/v1:Service", "db", { spec: { type, ports: [{ port: 5432 }] } }, within);
    expect(await violationsOf(rule, service("LoadBalancer", ["iron:kubernetes:Database"]))).toEqual([expect.stringMatching(/is LoadBalancer: make it ClusterIP/)]);
    expect(await violationsOf(rule, service("NodePort"))).toEqual([expect.stringMatching(/NodePort Service exposes a data store port/)]);
    expect(await violationsOf(rule, service("ClusterIP", ["iron:kubernetes:Database"]))).toEqual([]);
  });
});

describe("iron-no-plain-secrets and iron-no-plain-secrets-docker", () => {
  it("refuses a credential in an ECS task's plain environment, by value or by name", async () => {
    const leaks = task({ environment: [{ name: "DATABASE_URL", value: "postgres://u:hunter2@db:5432/app" }, { name: "IRON_ADMIN_PASSWORD", value: "x1y2z3" }, { name: "IRON_TRUST_UNVERIFIED_TOKEN", value: "1" }] });
    expect(await violationsOf("iron-no-plain-secrets", leaks)).toEqual([
      expect.stringMatching(/DATABASE_URL holds a URL with a password/),
      expect.stringMatching(/IRON_ADMIN_PASSWORD is named like a secret/),
    ]);
    expect(await violationsOf("iron-no-plain-secrets", task({ secrets: [{ name: "DATABASE_URL", valueFrom: "arn:aws:secretsmanager:…" }] }))).toEqual([]);
  });

  it("refuses a token in a pod's env value, not one taken from a Secret", async () => {
    const pod = (env: unknown[]) => deployment({ containers: [{ ...SAFE_CONTAINER, env }] });
    expect(await violationsOf("iron-no-plain-secrets", pod([{ name: "IRON_TOKEN", value: "eyJhbGciOiJFZERTQSJ9.payload.sig" }]))).toEqual([expect.stringMatching(/IRON_TOKEN holds a JSON Web Token/)]);
    expect(await violationsOf("iron-no-plain-secrets", pod([{ name: "IRON_TOKEN", valueFrom: { secretKeyRef: { name: "runtime", key: "token" } } }]))).toEqual([]);
  });

  it("refuses (mandatory) an API key in a Docker container's environment, not a NAME_FILE naming its file", async () => {
    const evaluation = await checkResources([planned(CONTAINER, "runtime", { name: "iron-x-runtime", envs: ["OPENAI_API_KEY=sk-abcdefghijklmnop", "PORT=8787"] })]);
    expect(evaluation.violations).toEqual([expect.objectContaining({ policy: "iron-no-plain-secrets-docker", enforcementLevel: "mandatory", message: expect.stringMatching(/OPENAI_API_KEY holds an API key/) })]);
    broken.add("iron-no-plain-secrets-docker");
    const asFile = planned(CONTAINER, "runtime", { name: "iron-x-runtime", envs: ["OPENAI_API_KEY_FILE=/run/secrets/openai_api_key"], uploads: [{ file: "/run/secrets/openai_api_key", content: "sk-abcdefghijklmnop", permissions: "0400" }] });
    expect(await violationsOf("iron-no-plain-secrets-docker", asFile)).toEqual([]);
  });

  it("refuses a password on a Docker container's command line or in its health check, not a shell variable", async () => {
    const redis = (command: string[], tests: string[]) => planned(CONTAINER, "cache", { name: "iron-x-cache", command, healthcheck: { tests } });
    expect(await violationsOf("iron-no-plain-secrets-docker", redis(["redis-server", "--requirepass", "hunter2hunter2"], ["CMD-SHELL", "redis-cli -a hunter2hunter2 ping"]))).toEqual([
      expect.stringMatching(/its command holds a password on the command line/),
      expect.stringMatching(/its health check holds a password on the command line/),
    ]);
    expect(await violationsOf("iron-no-plain-secrets-docker", redis(["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD"'], ["CMD-SHELL", 'redis-cli -a "$REDIS_PASSWORD" ping']))).toEqual([]);
    expect(await violationsOf("iron-no-plain-secrets-docker", redis(["redis-server", "/run/secrets/redis.conf"], ["CMD-SHELL", "redis-cli ping"]))).toEqual([]);
  });
});

describe("iron-workloads-non-root", () => {
  const rule = "iron-workloads-non-root";

  it("refuses an ECS container with no user, root, privileged, or added capabilities", async () => {
    expect(await violationsOf(rule, task({ user: undefined }))).toEqual([expect.stringMatching(/runs as the image's user/)]);
    expect(await violationsOf(rule, task({ user: "0:0", privileged: true, linuxParameters: { capabilities: { add: ["SYS_ADMIN"] } } }))).toEqual([
      expect.stringMatching(/runs as root/), expect.stringMatching(/is privileged/), expect.stringMatching(/adds capabilities SYS_ADMIN/),
    ]);
  });

  it("refuses a service's Docker container without a user or no-new-privileges", async () => {
    expect(await violationsOf(rule, planned(CONTAINER, "panel", { name: "panel" }, ["iron:docker:Service"]))).toEqual([
      expect.stringMatching(/does not state/), expect.stringMatching(/no-new-privileges/),
    ]);
    expect(await violationsOf(rule, planned(CONTAINER, "panel", { name: "panel", user: "1000:1000", securityOpts: ["no-new-privileges:true"] }, ["iron:docker:Service"]))).toEqual([]);
  });

  it("refuses a pod that may run as root or escalate", async () => {
    expect(await violationsOf(rule, deployment({ containers: [{ name: "app" }] }))).toEqual([expect.stringMatching(/may run as root/), expect.stringMatching(/may escalate/)]);
    expect(await violationsOf(rule, deployment({ securityContext: { runAsUser: 0 }, containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: false } }] }))).toEqual([
      expect.stringMatching(/may run as root/), expect.stringMatching(/runs as uid 0/),
    ]);
    expect(await violationsOf(rule, deployment({ containers: [SAFE_CONTAINER] }))).toEqual([]);
  });
});

describe("iron-runtime-internal", () => {
  const rule = "iron-runtime-internal";

  it("refuses the docker runtime published on every interface (agent-only with iron:publishAddress 0.0.0.0)", async () => {
    const { evaluation } = await checkPlan("agent-only", { publishAddress: "0.0.0.0" });
    const messages = messagesOf(evaluation, rule);
    expect(messages).toEqual([expect.stringMatching(/port 8787 is published on 0\.0\.0\.0: publish it on 127\.0\.0\.1/)]);
    broken.add(rule);
  });

  it("refuses an internet-facing load balancer or an open port in front of the runtime on aws", async () => {
    const tags = { "iron:package": "agent-runtime" };
    expect(await violationsOf(rule, planned("aws:lb/loadBalancer:LoadBalancer", "lb", { internal: false, tags, enableDeletionProtection: true }))).toEqual([expect.stringMatching(/internet-facing load balancer/)]);
    expect(await violationsOf(rule, planned("aws:ecs/service:Service", "runtime", { tags, loadBalancers: [{ targetGroupArn: "tg" }] }))).toEqual([expect.stringMatching(/behind a load balancer/)]);
    expect(await violationsOf(rule, planned("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in", { cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 8787, toPort: 8787 }))).toEqual([expect.stringMatching(/0\.0\.0\.0\/0 to the Agent Runtime's port 8787/)]);
    expect(await violationsOf(rule, planned("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in", { cidrIpv4: "10.0.0.0/16", ipProtocol: "tcp", fromPort: 8787, toPort: 8787 }))).toEqual([]);
  });

  it("refuses a public Kubernetes Service or an Ingress route to the runtime", async () => {
    const service = planned("kubernetes:core/v1:Service", "runtime", { metadata: { labels: { "app.kubernetes.io/name": "agent-runtime" } }, spec: { type: "LoadBalancer" } });
    expect(await violationsOf(rule, service)).toEqual([expect.stringMatching(/Service is LoadBalancer/)]);
    const ingress = planned("kubernetes:networking.k8s.io/v1:Ingress", "web", { spec: { rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "agent-runtime", port: { number: 8787 } } } }] } }] } });
    expect(await violationsOf(rule, ingress)).toEqual([expect.stringMatching(/routes to agent-runtime/)]);
  });
});

describe("iron-sandbox-kernel", () => {
  const rule = "iron-sandbox-kernel";
  const tags = (extra: Record<string, string>) => ({ tags: { "iron:package": "sandbox", ...extra } });

  it("refuses a sandbox launch template whose image's kernel is too old or unstated", async () => {
    expect(await violationsOf(rule, planned("aws:ec2/launchTemplate:LaunchTemplate", "node", tags({ "iron:kernel": "5.10" })))).toEqual([expect.stringMatching(/ships kernel 5\.10; the sandbox needs Linux kernel ≥ 5\.13/)]);
    expect(await violationsOf(rule, planned("aws:ec2/launchTemplate:LaunchTemplate", "node", tags({})))).toEqual([expect.stringMatching(/does not state its image's kernel/)]);
    expect(await violationsOf(rule, planned("aws:ec2/launchTemplate:LaunchTemplate", "node", tags({ "iron:kernel": "6.1" })))).toEqual([]);
  });

  it("refuses a docker sandbox node that does not probe the kernel before the deployment succeeds", async () => {
    const node = planned(CONTAINER, "node", { labels: [{ label: "iron/package", value: "sandbox" }], healthcheck: { tests: ["CMD", "true"] } });
    expect(await violationsOf(rule, node)).toEqual([expect.stringMatching(/does not probe the host's kernel/), expect.stringMatching(/set wait: true/)]);
  });

  it("refuses sandbox pods that may land on any node", async () => {
    const labels = { "iron/package": "sandbox" };
    expect(await violationsOf(rule, deployment({ containers: [SAFE_CONTAINER] }, labels))).toEqual([expect.stringMatching(/may land on any node/)]);
    expect(await violationsOf(rule, deployment({ nodeSelector: { "iron/landlock": "true" }, containers: [SAFE_CONTAINER] }, labels))).toEqual([]);
  });
});

describe("the aws rules", async () => {
  const { run } = await checkPlan("sandbox-only", { target: "aws" });
  const without = (type: string) => run.resources.filter((r) => r.type !== type);

  it("iron-s3-bucket-access-logging: refuses a bucket that logs nowhere, and a log bucket that keeps logs forever", async () => {
    expect(await violationsOf("iron-s3-bucket-access-logging", ...without("aws:s3/bucketLogging:BucketLogging"))).toEqual([
      expect.stringMatching(/bucket access-logs-bucket has no access logging/), expect.stringMatching(/bucket sandbox-node-artifacts has no access logging/),
    ]);
    expect(await violationsOf("iron-s3-bucket-access-logging", ...without("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"))).toEqual([expect.stringMatching(/log bucket access-logs-bucket keeps logs forever/)]);
    expect(await violationsOf("iron-s3-bucket-access-logging", ...run.resources)).toEqual([]);
  });

  it("iron-efs-encrypted, iron-elb-deletion-protection and iron-launch-template-encrypted-volumes", async () => {
    expect(await violationsOf("iron-efs-encrypted", planned("aws:efs/fileSystem:FileSystem", "fs", { encrypted: false }))).toEqual([expect.stringMatching(/not encrypted/)]);
    expect(await violationsOf("iron-elb-deletion-protection", planned("aws:lb/loadBalancer:LoadBalancer", "lb", { internal: false }))).toEqual([expect.stringMatching(/no deletion protection/)]);
    const template = planned("aws:ec2/launchTemplate:LaunchTemplate", "t", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] });
    expect(await violationsOf("iron-launch-template-encrypted-volumes", template)).toEqual([expect.stringMatching(/volume \/dev\/xvda is not encrypted/)]);
  });

  it("iron-alb-http-to-https-redirection: refuses plain HTTP beside HTTPS on one load balancer", async () => {
    const lb = planned("aws:lb/loadBalancer:LoadBalancer", "lb", { internal: false, enableDeletionProtection: true });
    const listener = (name: string, inputs: Record<string, unknown>) => ({ ...planned("aws:lb/listener:Listener", name, inputs), propertyDependencies: { loadBalancerArn: [lb.urn] } });
    const https = listener("https", { protocol: "HTTPS", defaultActions: [{ type: "forward" }] });
    const forward = listener("http", { protocol: "HTTP", defaultActions: [{ type: "forward" }] });
    const redirect = listener("http", { protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS" } }] });
    expect(await violationsOf("iron-alb-http-to-https-redirection", lb, https, forward)).toEqual([expect.stringMatching(/listener http serves HTTP beside HTTPS/)]);
    expect(await violationsOf("iron-alb-http-to-https-redirection", lb, https, redirect)).toEqual([]);
  });

  it("iron-elb-access-logs: refuses a load balancer without access logs, logging elsewhere, or into a bucket ELB may not write", async () => {
    const rule = "iron-elb-access-logs";
    const { run: panel } = await checkPlan("panel-clis", { target: "aws" });
    const LB = "aws:lb/loadBalancer:LoadBalancer";
    const changed = (type: string, change: (props: Record<string, unknown>) => Record<string, unknown>) => panel.resources.map((r) => (r.type === type ? { ...r, inputs: change(r.inputs), outputs: change(r.outputs) } : r));
    expect(await violationsOf(rule, ...panel.resources)).toEqual([]);
    expect(await violationsOf(rule, ...changed(LB, ({ accessLogs: _, ...rest }) => rest))).toEqual([expect.stringMatching(/load balancer control-panel-lb writes no access logs/)]);
    expect(await violationsOf(rule, ...changed(LB, (p) => ({ ...p, accessLogs: { enabled: false, bucket: asRecord(p.accessLogs).bucket } })))).toEqual([expect.stringMatching(/writes no access logs/)]);
    const elsewhere = changed(LB, (p) => ({ ...p, accessLogs: { enabled: true, bucket: "someone-elses-bucket", prefix: "alb" } })).map((r) => (r.type === LB ? { ...r, propertyDependencies: {} } : r));
    expect(await violationsOf(rule, ...elsewhere)).toEqual([expect.stringMatching(/logs into someone-elses-bucket, which is not a bucket of this stack/)]);
    const s3Only = changed("aws:s3/bucketPolicy:BucketPolicy", (p) => {
      const doc = JSON.parse(String(p.policy)) as { Statement: { Sid: string }[] };
      return { ...p, policy: JSON.stringify({ ...doc, Statement: doc.Statement.filter((st) => st.Sid !== "LoadBalancerAccessLogs") }) };
    });
    expect(await violationsOf(rule, ...s3Only)).toEqual([expect.stringMatching(/logs into access-logs-bucket, whose policy does not let Elastic Load Balancing write alb\/AWSLogs/)]);
  });

  it("AWSGuard's rds-instance-multi-az-enabled refuses a single-AZ database (iron:aws.multiAz false)", async () => {
    const { evaluation } = await checkPlan("panel-clis", { target: "aws", aws: { multiAz: false } });
    expect(evaluation.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([
      expect.objectContaining({ policy: "rds-instance-multi-az-enabled", message: "RDS Instances must be configured with multiple AZs for highly available." }),
    ]);
  });
});

afterAll(() => {
  // Every rule of ours was seen to fail at least once above.
  expect([...broken].sort()).toEqual(IRON_RULES.map((r) => r.name).sort());
});
