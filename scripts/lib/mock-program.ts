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
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb.js";
import { parse } from "yaml";
import { readStackFile, stackFilePath } from "../../infra/stack-file.js";

export interface CapturedResource {
  type: string;
  name: string;
  /** As the engine forms it: the parents' type chain, then the type (…::iron:aws:Database$aws:rds/instance:Instance::name). */
  urn: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /** The state the mock answered with (inputs and what the provider computes): what a stack policy sees as props. */
  outputs: Record<string, unknown>;
  /** Filled by runProgramWithMocks from the registration: the parent's URN and the URNs this resource depends on. */
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  /** The provider instance that manages it (`<urn>::<id>`), when it is not the default one. */
  provider?: string;
}

export interface MockRun {
  stack: string;
  outputs: Record<string, unknown>;
  /** Names of outputs that are secrets. */
  secretOutputs: string[];
  resources: CapturedResource[];
  /** What the program logged with pulumi.log.warn (pulumi up prints these too). */
  warnings?: string[];
}

export interface MockRunOptions {
  root: string;
  stack: string;
  /** Extra or replacing `iron:*` values (keys without the prefix), as a stack file would hold them. */
  overrides?: Record<string, unknown>;
  /**
   * A JSON file standing in for the stack's state: a resource found there with unchanged inputs gets the
   * outputs it had (as the engine keeps an unchanged resource); the file is rewritten after the run.
   */
  statePath?: string;
}

/** Recorded outputs per URN, with the inputs they were created from. */
type MockState = Record<string, { inputs: unknown; outputs: Record<string, unknown> }>;

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
  for (const [name, value] of Object.entries(options.overrides ?? {})) {
    // `iron:` keys by their bare name; another namespace's (`aws:region`) in full.
    const key = name.includes(":") ? name : `iron:${name}`;
    if (value === undefined) delete config[key];
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }

  const resources: CapturedResource[] = [];
  const state: MockState = options.statePath && existsSync(options.statePath) ? (JSON.parse(readFileSync(options.statePath, "utf8")) as MockState) : {};
  pulumi.runtime.setAllConfig(config, file.secretKeys);
  await pulumi.runtime.setMocks(recordingMocks(options.stack, resources, state), "iron", options.stack, false);
  const registrations = recordRegistrations();

  // Without an engine, pulumi.log.warn writes "warning: [runtime] …" to console.warn: keep those lines.
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" ").replace(/^warning: \[runtime\] /, ""));
  try {
    return await runMain(options, resources, state, warnings, registrations);
  } finally {
    console.warn = consoleWarn;
  }
}

async function runMain(options: MockRunOptions, resources: CapturedResource[], state: MockState, warnings: string[], registrations: Map<string, Registration>): Promise<MockRun> {
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
  for (const resource of resources) Object.assign(resource, registrations.get(`${resource.type}::${resource.name}`));
  if (options.statePath) writeFileSync(options.statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  return { stack: options.stack, outputs, secretOutputs, resources, warnings };
}

type Registration = Pick<CapturedResource, "urn" | "parent" | "dependencies" | "propertyDependencies">;

interface MockMonitor {
  registerResource(req: RegisterResourceRequest, callback: unknown): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

/**
 * The mocks see a resource's inputs only; the engine also knows its parent and
 * what it depends on (a stack policy reads them). Records them from each
 * registration request the mock monitor receives, keyed by type and name.
 */
function recordRegistrations(): Map<string, Registration> {
  const registrations = new Map<string, Registration>();
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((urns, key) => { propertyDependencies[key] = urns.getUrnsList(); });
    registrations.set(`${req.getType()}::${req.getName()}`, {
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList(),
      propertyDependencies,
    });
    return register(req, callback);
  };
  return registrations;
}

/**
 * Mocks that answer like the providers (see providerOutputs) and record every resource registered into `resources`.
 * With `state`, a resource already there with the same inputs keeps its outputs, and new outputs are recorded.
 */
export function recordingMocks(stack: string, resources: CapturedResource[], state?: MockState): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const urn = `urn:pulumi:${stack}::iron::${args.type}::${args.name}`;
      const inputs = args.inputs as Record<string, unknown>;
      const kept = state?.[urn];
      const outputs = kept && JSON.stringify(kept.inputs) === JSON.stringify(inputs) ? kept.outputs : { ...inputs, ...providerOutputs(args.type, args.name, inputs) };
      if (state) state[urn] = { inputs, outputs };
      resources.push({ type: args.type, name: args.name, urn, custom: args.custom ?? true, inputs, outputs, ...(args.provider ? { provider: args.provider } : {}) });
      return { id: idOf(args.type, args.name, outputs), state: outputs };
    },
    call(args) {
      return { ...(args.inputs as Record<string, unknown>), ...invokeResults(args.token, args.inputs as Record<string, unknown>) };
    },
  };
}

/** An S3 bucket's id is its name, as in the aws provider; everything else gets `<name>-id`. */
function idOf(type: string, name: string, state: Record<string, unknown>): string {
  return type === "aws:s3/bucket:Bucket" && typeof state.bucket === "string" ? state.bucket : `${name}-id`;
}

/**
 * Outputs a real provider computes that the program reads back. Generated
 * secrets get a recognisable value so tests can prove they never appear in a
 * plain (non-secret) input.
 */
function providerOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type === "random:index/randomBytes:RandomBytes") {
    const bytes = randomBytes(Number(inputs.length ?? 32));
    return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
  }
  if (type === "random:index/randomUuid:RandomUuid") return { result: randomUUID() };
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

/** The stack's `aws:region` when set, as the provider would use it; us-east-1 otherwise. */
function mockRegion(): string {
  return new pulumi.Config("aws").get("region") ?? MOCK_REGION;
}

/** Results of the provider functions (data sources) the aws target calls. */
function invokeResults(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const region = mockRegion();
      return { names: [`${region}a`, `${region}b`, `${region}c`] };
    }
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`, userId: "MOCKUSER" };
    case "aws:index/getRegion:getRegion":
      return { region: mockRegion(), name: mockRegion() };
    case "aws:ssm/getParameter:getParameter":
      // The value names the parameter, so tests can tell which public parameter an AMI came from.
      return { type: "String", value: `ami-mock:${String(inputs.name)}` };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return { userName: "AWS", password: "mock-ecr-password", proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com` };
    default:
      return {};
  }
}

/** The marker Pulumi puts around a secret value in resource inputs. */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** `value` with every secret in it replaced by "[secret]", for printing. */
export function redactSecrets(value: unknown): unknown {
  if (value && typeof value === "object" && SECRET_SIG_KEY in value) return "[secret]";
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  return value;
}

function resolveOutput<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolveValue) => output.apply((v) => resolveValue(v)));
}
