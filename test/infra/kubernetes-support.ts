/** Reading the Kubernetes objects a mock run of the program created. */
import type { CapturedResource, MockRun } from "../../scripts/lib/mock-program.js";
import { unwrap } from "../support/pulumi-mocks.js";
import type { KubeObject } from "../support/kubernetes-schema.js";
import type { NetworkPolicy, Pod } from "../support/network-policy.js";

export const TOKEN = "eyJhbGciOiJFZERTQSJ9.mock-agent-token.sig";
export const OPENAI_KEY = "sk-mock-openai-key";

export interface Created { resource: CapturedResource; object: KubeObject }

/** Every Kubernetes object (providers excluded) with secrets unwrapped. */
export function kubeObjects(run: MockRun): Created[] {
  return run.resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((resource) => ({ resource, object: unwrap(resource.inputs) as KubeObject }));
}

export function objectsOf(run: MockRun, kind: string): KubeObject[] {
  return kubeObjects(run).filter((o) => o.object.kind === kind).map((o) => o.object);
}

export function named(run: MockRun, kind: string, name: string): KubeObject {
  const found = objectsOf(run, kind).find((o) => nameOf(o) === name);
  if (!found) throw new Error(`no ${kind} ${name}; have ${objectsOf(run, kind).map(nameOf).join(", ")}`);
  return found;
}

export function nameOf(object: KubeObject): string {
  return (object.metadata as { name: string }).name;
}

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    securityContext?: Record<string, unknown>;
    containers: { name: string; env?: { name: string; value?: string; valueFrom?: unknown }[]; securityContext?: Record<string, unknown>; args?: string[]; image?: string; volumeMounts?: { name: string; mountPath: string }[] }[];
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } } };
    tolerations?: unknown[];
    [k: string]: unknown;
  };
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job"];

/** Every pod template: workloads' and Jobs'. */
export function podTemplates(run: MockRun): { owner: string; kind: string; template: PodTemplate }[] {
  return kubeObjects(run)
    .filter((o) => WORKLOADS.includes(o.object.kind))
    .map((o) => ({ owner: nameOf(o.object), kind: o.object.kind, template: (o.object.spec as { template: PodTemplate }).template }));
}

export function podOf(run: MockRun, kind: string, name: string, ip: string): Pod {
  const template = (named(run, kind, name).spec as { template: PodTemplate }).template;
  return { kind: "pod", namespace: (named(run, kind, name).metadata as { namespace: string }).namespace, labels: template.metadata.labels, ip };
}

export function policies(run: MockRun): NetworkPolicy[] {
  return objectsOf(run, "NetworkPolicy") as unknown as NetworkPolicy[];
}
