/**
 * The pack as `pulumi up --policy-pack policy/` runs it: Pulumi's policy
 * runner (policy/node_modules/@pulumi/pulumi/cmd/run-policy-pack, what the
 * CLI's pulumi-analyzer-policy starts, in the pack's directory) loads
 * index.ts through its TypeScript hook and serves the analyzer over gRPC; this
 * test is the engine's side of that conversation.
 */
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb.js";
import {
  AnalyzeRequest, AnalyzeResponse, AnalyzeStackRequest, AnalyzerInfo, AnalyzerPropertyDependencies, AnalyzerResource, AnalyzerResourceOptions, EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb.js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb.js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapturedResource } from "../../scripts/lib/mock-program.js";
import { startProcess, stopAll, waitFor, type RunningProcess } from "../support/processes.js";
import { repoRoot, runStack } from "../support/pulumi-mocks.js";

const packDir = join(repoRoot, "policy");
let pack: RunningProcess;
let client: AnalyzerClient;

beforeAll(async () => {
  // Arguments as the CLI passes them: the engine's address (unused by a policy pack), then the pack's directory.
  pack = startProcess(process.execPath, [join(packDir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], { cwd: packDir });
  await waitFor("the policy pack to print its port", () => /^\d+$/m.test(pack.output()) || pack.child.exitCode !== null, 180_000);
  const port = /^(\d+)$/m.exec(pack.output())?.[1];
  if (!port) throw new Error(`the policy pack did not start:\n${pack.output()}`);
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

function call<T>(invoke: (callback: (err: grpc.ServiceError | null, response: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((err, response) => (err ? reject(err) : resolve(response))));
}

function analyze(type: string, name: string, props: Record<string, unknown>, chain: string[] = []) {
  const request = new AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:prod::iron::${[...chain, type].join("$")}::${name}`);
  request.setProperties(Struct.fromJavaScript(props as Record<string, never>));
  request.setOptions(new AnalyzerResourceOptions());
  return call<AnalyzeResponse>((cb) => client.analyze(request, cb)).then((r) => r.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage(),
  })));
}

/** The end of an update: every resource's outputs, parent and dependencies, as the engine sends them. */
function analyzeStack(resources: CapturedResource[]) {
  const request = new AnalyzeStackRequest();
  request.setResourcesList(resources.map((r) => {
    const resource = new AnalyzerResource();
    resource.setType(r.type);
    resource.setName(r.name);
    resource.setUrn(r.urn);
    resource.setProperties(Struct.fromJavaScript(r.outputs as Record<string, never>));
    resource.setOptions(new AnalyzerResourceOptions());
    if (r.parent) resource.setParent(r.parent);
    resource.setDependenciesList(r.dependencies ?? []);
    for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) resource.getPropertydependenciesMap().set(key, new AnalyzerPropertyDependencies().setUrnsList(urns));
    return resource;
  }));
  return call<AnalyzeResponse>((cb) => client.analyzeStack(request, cb)).then((r) => r.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`));
}

describe("the pack under Pulumi's policy runner", () => {
  it("names itself and serves our rules and AWSGuard's, with their levels", async () => {
    const info = await call<AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
    expect(info.getName()).toBe("iron");
    const levels = Object.fromEntries(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]));
    expect(Object.keys(levels)).toHaveLength(38);
    expect(levels).toMatchObject({
      "iron-data-stores-private": EnforcementLevel.MANDATORY,
      "iron-no-plain-secrets-docker": EnforcementLevel.MANDATORY,
      "rds-instance-multi-az-enabled": EnforcementLevel.MANDATORY,
      "s3-bucket-logging-enabled": EnforcementLevel.DISABLED,
      "efs-encrypted": EnforcementLevel.DISABLED,
    });
  });

  it("refuses a public, single-AZ database with our rule and AWSGuard's", async () => {
    const diagnostics = await analyze("aws:rds/instance:Instance", "control-panel-db", { publiclyAccessible: true, multiAz: false, storageEncrypted: true, backupRetentionPeriod: 7 }, ["iron:aws:Database"]);
    expect(diagnostics).toEqual(expect.arrayContaining([
      { policy: "iron-data-stores-private", level: EnforcementLevel.MANDATORY, message: expect.stringMatching(/publicly accessible/) },
      { policy: "rds-instance-multi-az-enabled", level: EnforcementLevel.MANDATORY, message: expect.stringMatching(/multiple AZs/) },
      { policy: "rds-instance-public-access", level: EnforcementLevel.MANDATORY, message: expect.stringMatching(/not be publicly accessible/) },
    ]));
    expect(diagnostics).toHaveLength(3);
  });

  it("judges a whole aws stack at the end of an update: every bucket logged, or the unlogged ones named", async () => {
    const { resources } = await runStack("sandbox-only", { target: "aws" });
    expect(await analyzeStack(resources)).toEqual([]);
    // Without its only BucketLogging the artifacts bucket logs nowhere, and the log bucket is no log bucket any more.
    const unlogged = resources.filter((r) => r.type !== "aws:s3/bucketLogging:BucketLogging");
    expect(await analyzeStack(unlogged)).toEqual([
      expect.stringMatching(/^iron-s3-bucket-access-logging: [^]*bucket access-logs-bucket has no access logging/),
      expect.stringMatching(/^iron-s3-bucket-access-logging: [^]*bucket sandbox-node-artifacts has no access logging/),
    ]);
  });

  it("passes the database the aws target plans", async () => {
    expect(await analyze("aws:rds/instance:Instance", "control-panel-db", { publiclyAccessible: false, multiAz: true, storageEncrypted: true, backupRetentionPeriod: 7 }, ["iron:aws:Database"])).toEqual([]);
  });
});
