/**
 * Validates Kubernetes objects (as a Pulumi program passes them to the
 * kubernetes provider) against the Kubernetes OpenAPI schema: types, enums and
 * required fields with the kubernetes-models package's validators, and, since
 * those accept any field they do not know, a second check that walks the object
 * along kubernetes-models' own type definitions and rejects every unknown field.
 */
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import ts from "typescript";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve("kubernetes-models/package.json"));
/** Custom resources' models come from their own packages (the Prometheus Operator's ServiceMonitor). */
const MODEL_ROOTS: Record<string, string> = { "monitoring.coreos.com/v1": dirname(require.resolve("@kubernetes-models/prometheus-operator/package.json")) };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}

/** "kubernetes:apps/v1:Deployment" → "apps/v1"; "kubernetes:core/v1:Secret" → "v1". */
export function modelDir(pulumiType: string): { dir: string; kind: string } {
  const [, groupVersion = "", kind = ""] = pulumiType.split(":");
  const [group, version] = groupVersion.split("/");
  return { dir: group === "core" ? version! : `${group}/${version}`, kind };
}

interface ModelClass { new (data: unknown): { validate(): void } }

/** The API groups the kit's programs create objects of (add one here when a program starts using it). */
const GROUPS: Record<string, Record<string, unknown>> = {
  v1: core, "apps/v1": apps, "autoscaling/v2": autoscaling, "batch/v1": batch,
  "networking.k8s.io/v1": networking, "policy/v1": policy, "rbac.authorization.k8s.io/v1": rbac,
  "monitoring.coreos.com/v1": monitoring,
};

/** Problems with `object` (an empty list when it is valid). */
export function validateObject(pulumiType: string, object: KubeObject): string[] {
  const { dir, kind } = modelDir(pulumiType);
  const Model = GROUPS[dir]?.[kind] as ModelClass | undefined;
  if (!Model) return [`${pulumiType}: no kubernetes-models class for ${dir} ${kind} (see GROUPS in test/support/kubernetes-schema.ts)`];
  const problems: string[] = [];
  try {
    new Model(object).validate();
  } catch (err) {
    problems.push(`${kind} ${nameOf(object)}: ${(err as Error).message}`);
  }
  problems.push(...unknownFields(dir, kind, object).map((p) => `${kind} ${nameOf(object)}: ${p}`));
  return problems;
}

function nameOf(object: KubeObject): string {
  const metadata = object.metadata as { name?: string } | undefined;
  return metadata?.name ?? "(unnamed)";
}

let program: ts.Program | undefined;
const OPTIONS: ts.CompilerOptions = { noEmit: true, moduleResolution: ts.ModuleResolutionKind.Node10, types: [] };

/** The declared interface of `kind` (e.g. IDeployment in kubernetes-models/apps/v1/Deployment.d.ts) and a checker that knows it. */
function modelType(dir: string, kind: string): { checker: ts.TypeChecker; type: ts.Type } {
  const file = join(MODEL_ROOTS[dir] ?? modelsRoot, dir, `${kind}.d.ts`);
  if (!program?.getSourceFile(file)) program = ts.createProgram([...(program?.getRootFileNames() ?? []), file], OPTIONS, undefined, program);
  const decl = program.getSourceFile(file)?.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `I${kind}`);
  if (!decl) throw new Error(`no interface I${kind} in ${file}`);
  const checker = program.getTypeChecker();
  return { checker, type: checker.getTypeAtLocation(decl.name) };
}

/** Every field of `object` that its type does not declare, as a JSON path. */
export function unknownFields(dir: string, kind: string, object: unknown): string[] {
  const { checker, type } = modelType(dir, kind);
  const problems: string[] = [];
  walk(checker, object, type, "", problems);
  return problems;
}

function walk(checker: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, problems: string[]): void {
  if (value === null || value === undefined || typeof value !== "object") return;
  const type = objectPart(checker, declared);
  if (!type) return;
  if (Array.isArray(value)) {
    const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number);
    if (element) value.forEach((v, i) => walk(checker, v, element, `${path}[${i}]`, problems));
    return;
  }
  const index = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  for (const [key, child] of Object.entries(value)) {
    const property = type.getProperty(key);
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), `${path}.${key}`, problems);
    else if (index) walk(checker, child, index, `${path}.${key}`, problems);
    else problems.push(`${path}.${key}: unknown field (known: ${type.getProperties().map((p) => p.name).join(", ")})`);
  }
}

/** The object member of a union such as `IObjectMeta | undefined`; undefined when the declared type is not an object (e.g. IntOrString). */
function objectPart(checker: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
  const parts = type.isUnion() ? type.types : [type];
  const objects = parts.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0);
  return objects.length === 1 ? objects[0] : objects.length > 1 ? checker.getNonNullableType(type) : undefined;
}
