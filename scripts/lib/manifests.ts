/**
 * The Kubernetes objects of an offline plan as YAML documents, for review
 * (`npm run plan -- --stack <s> --target kubernetes --manifests`). Secret values
 * are replaced by "[secret]": the rendering is safe to paste into a review.
 */
import { stringify } from "yaml";
import type { CapturedResource } from "./mock-program.js";

/** The key Pulumi marks a secret value with in resource inputs. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

function redact(value: unknown): unknown {
  if (value && typeof value === "object" && SECRET_SIG_KEY in value) return "[secret]";
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  return value;
}

/** Secret and ConfigMap data are maps of values: a secret map becomes a map of "[secret]" under the same keys when its keys are readable. */
function redactObject(inputs: Record<string, unknown>): Record<string, unknown> {
  const out = redact(inputs) as Record<string, unknown>;
  for (const field of ["stringData", "data"]) {
    const raw = inputs[field];
    if (raw && typeof raw === "object" && SECRET_SIG_KEY in raw) {
      const inner = (raw as { value?: unknown }).value;
      out[field] = inner && typeof inner === "object" ? Object.fromEntries(Object.keys(inner).map((k) => [k, "[secret]"])) : "[secret]";
    }
  }
  return out;
}

export function kubernetesManifests(resources: CapturedResource[]): string {
  const docs = resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((r) => {
      const { apiVersion, kind, metadata, ...rest } = redactObject(r.inputs);
      return stringify({ apiVersion, kind, metadata, ...rest }, { lineWidth: 0 });
    });
  return docs.map((d) => `---\n${d}`).join("");
}
