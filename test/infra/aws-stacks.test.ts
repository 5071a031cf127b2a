/** The aws target per shipped stack under Pulumi's mock runtime: what each strategy creates, and that secrets stay secret. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failStack, plainOccurrences, repoRoot, runStack, unwrap } from "../support/pulumi-mocks.js";
import { OPENAI_KEY, TOKEN, awsModules, blocks, containerDefinitions, ofType } from "./aws-support.js";

const AWS = { target: "aws" };
/** The marketing site is built by its own workspace; until it is, full-platform on aws must say how to build it. */
const siteBuilt = existsSync(join(repoRoot, "services/marketing-site/dist/index.html"));

describe("sandbox-only on aws", async () => {
  const run = await runStack("sandbox-only", AWS);

  it("creates the network, the nodes and the artifact bucket, and nothing else", () => {
    expect(blocks(run)).toEqual(["AccessLogs:access-logs", "Network:network", "SandboxNodes:sandbox-node"]);
    expect(awsModules(run)).toEqual(["autoscaling", "ec2", "iam", "s3", "vpc"]);
    expect(ofType(run, "aws:s3/bucket:Bucket").map((b) => b.name).sort()).toEqual(["access-logs-bucket", "sandbox-node-artifacts"]);
    expect(run.resources.filter((r) => r.type.startsWith("random:"))).toEqual([]);
    expect(run.outputs.sandboxNodes).toEqual([expect.stringMatching(/^1 × t3\.small al2023 \(x86_64\) in auto-scaling group .*no SSH/)]);
  });
});

describe("agent-only on aws", async () => {
  const run = await runStack("agent-only", { ...AWS, agentToken: TOKEN });

  it("runs the runtime as an internal ECS service: no database, cache, load balancer or bucket", () => {
    expect(blocks(run)).toEqual(["Cluster:cluster", "Network:network", "Service:agent-runtime", "Volume:agent-runtime-data"]);
    for (const module of ["rds", "elasticache", "lb", "s3", "cloudfront", "autoscaling"]) expect(awsModules(run)).not.toContain(module);
    expect(run.outputs.runtimeUrl).toBe("http://agent-runtime.iron-agent-only.internal:8787");
  });

  it("admits callers from inside the VPC only, on the runtime's port", () => {
    const open = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.cidrIpv4);
    expect(open.map((r) => r.inputs)).toEqual([expect.objectContaining({ cidrIpv4: "10.0.0.0/16", fromPort: 8787, toPort: 8787, securityGroupId: "network-services-id" })]);
  });

  it("leaves telemetry off and takes its token from Secrets Manager", () => {
    const [runtime] = containerDefinitions(run, "agent-runtime");
    expect(runtime!.environment).toContainEqual({ name: "IRON_TELEMETRY", value: "off" });
    expect(runtime!.environment.map((e) => e.name)).not.toContain("IRON_CONTROL_PANEL_URL");
    expect(runtime!.secrets.map((s) => s.name)).toEqual(["IRON_TOKEN"]);
  });
});

describe("panel-clis on aws", async () => {
  const run = await runStack("panel-clis", AWS);

  it("deploys the panel with its database and cache behind a load balancer, and a downloads site", () => {
    expect(blocks(run)).toEqual([
      "AccessLogs:access-logs", "Cache:control-panel-cache", "Cluster:cluster", "Database:control-panel-db", "LoadBalancer:control-panel-lb",
      "Network:network", "Service:control-panel", "StaticSite:cli-downloads",
    ]);
    expect(awsModules(run)).not.toContain("autoscaling");
    expect(run.outputs).toMatchObject({ controlPanelUrl: "http://control-panel-lb-mock.us-east-1.elb.amazonaws.com", downloadsUrl: "https://cli-downloads-mock.cloudfront.net/downloads/" });
    expect(run.outputs.siteUrl).toBeUndefined();
  });

  it("uploads every CLI artifact under /downloads", () => {
    const keys = ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2").map((o) => o.inputs.key).sort();
    const artifacts = readdirSync(join(repoRoot, "dist/downloads")).map((f) => `downloads/${f}`);
    expect(keys).toEqual([...artifacts, "settings.json"].sort());
  });
});

describe("full-platform on aws", async () => {
  const run = await runStack("full-platform", { ...AWS, agentToken: TOKEN, openaiApiKey: OPENAI_KEY, ...(siteBuilt ? {} : { marketingSite: false }) });
  const site = siteBuilt ? "marketing-site" : "cli-downloads";

  it("creates every building block", () => {
    expect(blocks(run)).toEqual([
      "AccessLogs:access-logs", "Cache:control-panel-cache", "Cluster:cluster", "Database:control-panel-db", "LoadBalancer:control-panel-lb", "Network:network",
      "SandboxNodes:sandbox-node", "Service:agent-runtime", "Service:control-panel", `StaticSite:${site}`, "Volume:agent-runtime-data",
    ]);
    expect(ofType(run, "aws:ecs/service:Service").map((s) => s.name).sort()).toEqual(["agent-runtime", "control-panel"]);
    expect(ofType(run, "aws:lb/loadBalancer:LoadBalancer").map((s) => s.name)).toEqual(["control-panel-lb"]);
  });

  it(siteBuilt ? "uploads the built marketing site" : "refuses a marketing site that is not built, naming the build command", async () => {
    if (siteBuilt) {
      const index = ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2").find((o) => o.inputs.key === "index.html");
      expect(index?.inputs).toMatchObject({ contentType: "text/html; charset=utf-8", cacheControl: "public, max-age=0, must-revalidate" });
    } else {
      const stderr = await failStack("full-platform", { ...AWS, agentToken: TOKEN });
      expect(stderr).toContain("services/marketing-site/dist is missing: build it with `npm run build -w services/marketing-site`");
    }
  });

  it("points the runtime at the panel's address inside the VPC", () => {
    const [runtime] = containerDefinitions(run, "agent-runtime");
    expect(runtime!.environment).toContainEqual({ name: "IRON_CONTROL_PANEL_URL", value: "http://control-panel.iron-full-platform.internal:3000" });
    expect(runtime!.secrets.map((s) => s.name).sort()).toEqual(["IRON_TOKEN", "OPENAI_API_KEY"]);
  });

  it("stores each secret in Secrets Manager and hands tasks only its ARN", () => {
    const versions = ofType(run, "aws:secretsmanager/secretVersion:SecretVersion");
    const value = (name: string) => unwrap(versions.find((v) => v.name === name)!.inputs.secretString) as string;
    expect(value("control-panel-database-url-value")).toMatch(/^postgres:\/\/controlpanel:[A-Za-z0-9]+@control-panel-db\.mock\.us-east-1\.rds\.amazonaws\.com:5432\/controlpanel\?sslmode=/);
    expect(value("control-panel-redis-url-value")).toMatch(/^rediss:\/\/:[A-Za-z0-9]+@master\.control-panel-cache\.mock\.cache\.amazonaws\.com:6379$/);
    expect(JSON.parse(value("control-panel-db-master-value"))).toMatchObject({ engine: "postgres", username: "controlpanel", password: new URL(value("control-panel-database-url-value")).password });
    expect(value("agent-runtime-iron-token-value")).toBe(TOKEN);
    for (const definition of [...containerDefinitions(run, "control-panel"), ...containerDefinitions(run, "agent-runtime")]) {
      for (const secret of definition.secrets) expect(secret.valueFrom).toMatch(/^arn:aws:/);
    }
  });

  it("keeps every generated secret and configured key out of every plain input", () => {
    expect(run.secretOutputs).toEqual(["adminPassword"]);
    const generated = ofType(run, "random:index/randomPassword:RandomPassword").map((r) => r.name).sort();
    expect(generated).toEqual(["control-panel-admin-password", "control-panel-cache-auth-token", "control-panel-db-password", "control-panel-master-key"]);
    const values = new Set([...JSON.stringify(run.resources).matchAll(/mocksecret[a-z0-9]+/gi)].map((m) => m[0]));
    expect(values.size).toBe(4);
    for (const value of [...values, TOKEN, OPENAI_KEY, "mock-ecr-password"]) {
      for (const r of run.resources) expect(plainOccurrences(r.inputs, value), `${value} in ${r.type} ${r.name}`).toEqual([]);
    }
  });
});
