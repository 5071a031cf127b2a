/**
 * What the rules read off a resource as CrossGuard hands it over: the type
 * chain in its URN (which component of ours it belongs to), the package it is
 * tagged or labelled with, and plain-data helpers. Props arrive as plain JSON
 * (secrets unwrapped), the same in `pulumi up` and in our tests.
 */

/** The building blocks' component types, per target (infra/targets/<target>/): `iron:<target>:<Block>`. */
export type Block = "Database" | "Cache" | "Service" | "StaticSite" | "SandboxNodes" | "LoadBalancer";

/** Types from the root to the resource itself, from `urn:pulumi:<stack>::<project>::<a>$<b>$<type>::<name>`. */
export function typeChain(urn: string): string[] {
  return (urn.split("::")[2] ?? "").split("$");
}

/** Whether the resource sits inside one of our `iron:<any target>:<block>` components. */
export function isWithin(urn: string, ...blocks: Block[]): boolean {
  return typeChain(urn).slice(0, -1).some((t) => blocks.some((b) => /^iron:[a-z]+:/.test(t) && t.endsWith(`:${b}`)));
}

export type Props = Record<string, unknown>;

export function asRecord(value: unknown): Props {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Props) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The package a resource belongs to: the aws target's `iron:package` tag, the
 * docker target's `iron/package` label, or a Kubernetes object's `iron/package`
 * or `app.kubernetes.io/name` label.
 */
export function packageOf(props: Props): string | undefined {
  const tag = asRecord(props.tags)["iron:package"];
  if (typeof tag === "string") return tag;
  const label = asArray(props.labels).map(asRecord).find((l) => l.label === "iron/package")?.value;
  if (typeof label === "string") return label;
  const k8s = asRecord(asRecord(props.metadata).labels);
  const name = k8s["iron/package"] ?? k8s["app.kubernetes.io/name"];
  return typeof name === "string" ? name : undefined;
}

/** A value the rules must treat as a JSON document (ECS container definitions arrive as a string). */
export function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
