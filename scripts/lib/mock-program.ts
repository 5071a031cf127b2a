/**
 * Runs the Pulumi program (Pulumi.yaml `main`) under Pulumi's mock runtime:
 * no engine, no providers, no credentials. It loads the stack file we ship into
 * the config exactly as the engine would, imports `main` the way Pulumi's Node
 * language host does for an ES module package, and returns the stack outputs
 * and every resource the program registered with its inputs.
 *
 * Used by the offline plan, by the infra tests, and (as a process started with
 * Pulumi.yaml's nodeargs) by the test that proves the program loads as
 * `pulumi up` will load it.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { readStackFile, stackFilePath } from "../../infra/stack-file.js";

export interface CapturedResource {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /** The provider instance that manages it (`<urn>::<id>`), when it is not the default one. */
  provider?: string;
}

export interface MockRun {
  stack: string;
  outputs: Record<string, unknown>;
  /** Names of outputs that are secrets. */
  secretOutputs: string[];
  resources: CapturedResource[];
}

export interface MockRunOptions {
  root: string;
  stack: string;
  /** Extra or replacing `iron:*` values (keys without the prefix), as a stack file would hold them. */
  overrides?: Record<string, unknown>;
}

export function projectMain(root: string): string {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { main?: string };
  return resolve(root, project.main ?? ".");
}

export function projectNodeArgs(root: string): string[] {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { runtime?: { options?: { nodeargs?: string } } };
  return (project.runtime?.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
}

/** Runs the program once. Call at most once per process (Pulumi's runtime state is global). */
export async function runProgramWithMocks(options: MockRunOptions): Promise<MockRun> {
  const file = readStackFile(options.root, options.stack);
  if (!file) throw new Error(`no stack file ${stackFilePath(options.root, options.stack)}`);
  const config = { ...file.engineConfig };
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) delete config[`iron:${key}`];
    else config[`iron:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }

  const resources: CapturedResource[] = [];
  pulumi.runtime.setAllConfig(config, file.secretKeys);
  await pulumi.runtime.setMocks(recordingMocks(options.stack, resources), "iron", options.stack, false);

  // As Pulumi's run.ts does for `"type": "module"`: import the real path of main as a file URL.
  const mainUrl = pathToFileURL(realpathSync(projectMain(options.root))).href;
  const exports = (await import(mainUrl)) as Record<string, unknown>;

  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [name, value] of Object.entries(exports)) {
    const output = pulumi.output(value);
    outputs[name] = await resolveOutput(output);
    if (await pulumi.isSecret(output)) secretOutputs.push(name);
  }
  // Resources that wait on others (dependsOn) register later: drain the RPC queue before reporting.
  await pulumi.runtime.disconnect();
  return { stack: options.stack, outputs, secretOutputs, resources };
}

/** Mocks that answer like the providers (see providerOutputs) and record every resource registered into `resources`. */
export function recordingMocks(stack: string, resources: CapturedResource[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const urn = `urn:pulumi:${stack}::iron::${args.type}::${args.name}`;
      resources.push({ type: args.type, name: args.name, urn, custom: args.custom ?? true, inputs: args.inputs as Record<string, unknown>, ...(args.provider ? { provider: args.provider } : {}) });
      return { id: `${args.name}-id`, state: { ...args.inputs, ...providerOutputs(args.type, args.name, args.inputs as Record<string, unknown>) } };
    },
    call(args) {
      return { ...(args.inputs as Record<string, unknown>), ...invokeResults(args.token, args.inputs as Record<string, unknown>) };
    },
  };
}

/**
 * Outputs a real provider computes that the program reads back. Generated
 * secrets get a recognisable value so tests can prove they never appear in a
 * plain (non-secret) input.
 */
function providerOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type === "random:index/randomPassword:RandomPassword") return { result: `mocksecret${name.replace(/[^a-z0-9]/gi, "")}${randomBytes(4).toString("hex")}` };
  if (type === "docker:index/image:Image") return { repoDigest: `${name}@sha256:${"0".repeat(64)}` };
  if (type === "docker:index/remoteImage:RemoteImage") return { imageId: `sha256:${"1".repeat(64)}` };
  if (type.startsWith("aws:")) {
    // AWS names what the program leaves unnamed: after the logical name, or after namePrefix.
    const named = { ...inputs, name: inputs.name ?? (typeof inputs.namePrefix === "string" ? `${inputs.namePrefix}mock` : name) };
    return { name: named.name, ...awsOutputs(type, name, named) };
  }
  return {};
}

const MOCK_ACCOUNT = "123456789012";
const MOCK_REGION = "us-east-1";

/** What AWS computes for the resources the aws target reads back (endpoints, URLs, versions); every AWS resource gets an ARN. */
function awsOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const arn = `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}`;
  switch (type) {
    case "aws:rds/instance:Instance":
      return { arn, address: `${name}.mock.${MOCK_REGION}.rds.amazonaws.com`, port: 5432 };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return { arn, primaryEndpointAddress: `master.${name}.mock.cache.amazonaws.com`, port: 6379 };
    case "aws:lb/loadBalancer:LoadBalancer":
      return { arn, dnsName: `${name}-mock.${MOCK_REGION}.elb.amazonaws.com` };
    case "aws:cloudfront/distribution:Distribution":
      return { arn, domainName: `${name}-mock.cloudfront.net` };
    case "aws:ecr/repository:Repository":
      return { arn, registryId: MOCK_ACCOUNT, repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${String(inputs.name ?? name)}` };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { arn, latestVersion: 1 };
    case "aws:s3/bucket:Bucket": {
      const bucket = `${name}-mock`;
      return { arn: `arn:aws:s3:::${bucket}`, bucket, bucketRegionalDomainName: `${bucket}.s3.${MOCK_REGION}.amazonaws.com` };
    }
    case "aws:acm/certificate:Certificate":
      return { arn, domainValidationOptions: [{ domainName: inputs.domainName, resourceRecordName: `_mock.${String(inputs.domainName)}.`, resourceRecordType: "CNAME", resourceRecordValue: "_mock.acm-validations.aws." }] };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { arn };
    default:
      return { arn };
  }
}

/** Results of the provider functions (data sources) the aws target calls. */
function invokeResults(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: [`${MOCK_REGION}a`, `${MOCK_REGION}b`, `${MOCK_REGION}c`] };
    case "aws:index/getRegion:getRegion":
      return { region: MOCK_REGION, name: MOCK_REGION };
    case "aws:ssm/getParameter:getParameter":
      // The value names the parameter, so tests can tell which public parameter an AMI came from.
      return { type: "String", value: `ami-mock:${String(inputs.name)}` };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return { userName: "AWS", password: "mock-ecr-password", proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com` };
    default:
      return {};
  }
}

function resolveOutput<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolveValue) => output.apply((v) => resolveValue(v)));
}
