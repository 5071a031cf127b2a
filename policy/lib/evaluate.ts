/**
 * Runs the pack's policies in this process over resources as the engine hands
 * them to a pack: a resource policy sees each resource's inputs, a stack
 * policy sees every resource's outputs with parents and dependencies linked,
 * secrets unwrapped. The offline plan's resources (scripts/lib/mock-program.ts)
 * have this shape; so a plan can be checked without the Pulumi CLI.
 */
import type {
  EnforcementLevel, Policy, PolicyResource, ResourceValidation, ResourceValidationArgs,
  ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";

export interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
}

export interface Evaluation {
  violations: Violation[];
  /** Per policy, how many resources (stack policies: stacks) it applied to rather than declaring itself not applicable. */
  applied: Record<string, number>;
}

/** The marker Pulumi wraps a secret value in; the engine unwraps it before a policy sees the value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record) return plain(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

type Typed = { __pulumiType?: string };
const typeOf = (resourceClass: unknown): string | undefined => (resourceClass as Typed | undefined)?.__pulumiType;

export async function evaluate(policies: Policy[], resources: PlannedResource[], packLevel: EnforcementLevel = "mandatory"): Promise<Evaluation> {
  const violations: Violation[] = [];
  const applied: Record<string, number> = {};
  for (const policy of policies) {
    const level = policy.enforcementLevel ?? packLevel;
    if (level === "disabled") continue;
    applied[policy.name] = 0;
    const report = (message: string, urn?: string) => violations.push({ policy: policy.name, enforcementLevel: level, message, ...(urn ? { urn } : {}) });
    const count = async (run: () => unknown) => {
      try {
        await run();
        applied[policy.name]! += 1;
      } catch (err) {
        if (!(err instanceof NotApplicable)) throw err;
      }
    };
    if ("validateResource" in policy && policy.validateResource) {
      for (const resource of resources) await count(() => validateResource(policy as ResourceValidationPolicy, resource, (m, urn) => report(m, urn ?? resource.urn)));
    }
    if ("validateStack" in policy && policy.validateStack) {
      const stackPolicy = policy as StackValidationPolicy;
      await count(() => stackPolicy.validateStack(stackArgs(resources), report));
    }
  }
  return { violations, applied };
}

/** One resource through each of a policy's validations; not applicable when none applies (as the engine counts it). */
async function validateResource(policy: ResourceValidationPolicy, resource: PlannedResource, report: (message: string, urn?: string) => void): Promise<void> {
  const validations: ResourceValidation[] = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
  let ran = 0;
  for (const validation of validations) {
    const only = typeOf(validation);
    if (only && only !== resource.type) continue;
    try {
      await validation(resourceArgs(resource), report);
      ran += 1;
    } catch (err) {
      if (!(err instanceof NotApplicable)) throw err;
    }
  }
  if (ran === 0) notApplicable();
}

function isType(type: string) {
  return (resourceClass: unknown) => typeOf(resourceClass) === type;
}

function resourceArgs(resource: PlannedResource): ResourceValidationArgs {
  const props = plain(resource.inputs) as Record<string, unknown>;
  return {
    type: resource.type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, ...(resource.parent ? { parent: resource.parent } : {}) },
    stackTags: new Map(),
    isType: isType(resource.type),
    asType: ((resourceClass: unknown) => (typeOf(resourceClass) === resource.type ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: () => ({}) as never,
    notApplicable,
  };
}

function stackArgs(resources: PlannedResource[]): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const linked = resources.map((r) => {
    const props = plain(r.outputs) as Record<string, unknown>;
    const resource: PolicyResource = {
      type: r.type, props, urn: r.urn, name: r.name,
      opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
      dependencies: [], propertyDependencies: {},
      isType: isType(r.type),
      asType: ((resourceClass: unknown) => (typeOf(resourceClass) === r.type ? props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, resource);
    return { r, resource };
  });
  const find = (urns: string[] = []) => urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
  for (const { r, resource } of linked) {
    if (r.parent) resource.parent = byUrn.get(r.parent);
    resource.dependencies = find(r.dependencies);
    resource.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, find(urns)]));
  }
  return { resources: linked.map((l) => l.resource), getConfig: () => ({}) as never, stackTags: new Map(), notApplicable };
}
