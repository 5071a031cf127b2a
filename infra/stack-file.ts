/**
 * Reads `iron:*` values for a stack: from stacks/Pulumi.<stack>.yaml (preflight,
 * tests, the offline plan) or from the Pulumi engine (a real `pulumi up`).
 * Both give plain JS values (objects for structured config) to `resolveConfig`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const NAMESPACE = "iron";

export interface StackFile {
  path: string;
  /** `iron:*` values with the prefix removed. Secure values are kept as `{ secure: "…" }`. */
  iron: Record<string, unknown>;
  /** Every config entry as Pulumi passes it to a program: key → string (objects as JSON). */
  engineConfig: Record<string, string>;
  secretKeys: string[];
}

export function stackFilePath(root: string, stack: string): string {
  return join(root, "stacks", `Pulumi.${stack}.yaml`);
}

export function readStackFile(root: string, stack: string): StackFile | undefined {
  const path = stackFilePath(root, stack);
  if (!existsSync(path)) return undefined;
  const doc: unknown = parse(readFileSync(path, "utf8")) ?? {};
  const config = doc && typeof doc === "object" && "config" in doc ? (doc as { config: unknown }).config : {};
  const entries = Object.entries(config && typeof config === "object" ? (config as Record<string, unknown>) : {});
  const iron: Record<string, unknown> = {};
  const engineConfig: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of entries) {
    const fullKey = key.includes(":") ? key : `${NAMESPACE}:${key}`;
    if (isSecure(value)) secretKeys.push(fullKey);
    engineConfig[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    if (fullKey.startsWith(`${NAMESPACE}:`)) iron[fullKey.slice(NAMESPACE.length + 1)] = value;
  }
  return { path, iron, engineConfig, secretKeys };
}

function isSecure(value: unknown): boolean {
  return !!value && typeof value === "object" && "secure" in value;
}

/**
 * Converts the engine's string config back to JS values: Pulumi hands every
 * value to the program as a string, with structured values as JSON.
 */
export function ironValuesFromEngine(all: Record<string, string>): Record<string, unknown> {
  const iron: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    iron[key.slice(NAMESPACE.length + 1)] = parseEngineValue(value);
  }
  return iron;
}

/** A value as the program sees it: the engine passes strings; booleans, numbers and JSON are read back as such. */
export function parseEngineValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed === "true" || trimmed === "false" || /^[[{]/.test(trimmed) || /^-?\d+(\.\d+)?$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}
