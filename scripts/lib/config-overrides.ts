/**
 * `--config key=value` and `--config-file <yaml>` for the offline plan: values
 * laid over a stack file's `iron:*` keys the way `pulumi config set [--path]`
 * would store them. Keys take Pulumi's syntax (`iron:` optional, dotted paths
 * into structured keys: `sandboxNodes.count=2`); values are read as the engine
 * hands them to the program (see parseEngineValue).
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { NAMESPACE, parseEngineValue } from "../../infra/stack-file.js";

export class OverrideError extends Error {}

export interface ConfigOverride {
  /** Path below `iron:`, e.g. ["sandboxNodes", "count"]. */
  path: string[];
  value: unknown;
  /** Where it came from, for messages: `--config sandboxNodes.count=2` or `--config-file extra.yaml`. */
  source: string;
}

/** `key=value`, `iron:key=value` or `iron:a.b=value`. */
export function parseConfigFlag(pair: string): ConfigOverride {
  const at = pair.indexOf("=");
  if (at <= 0) throw new OverrideError(`--config ${pair}: expected key=value, e.g. --config agentBudget=25 or --config iron:sandboxNodes.count=2`);
  return { path: keyPath(pair.slice(0, at), `--config ${pair}`), value: parseEngineValue(pair.slice(at + 1)), source: `--config ${pair}` };
}

/** A YAML file shaped like a stack file (`config: { iron:key: value }`) or a bare map of keys; its values keep their YAML types. */
export function readConfigFile(path: string): ConfigOverride[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new OverrideError(`--config-file ${path}: ${(err as Error).message}`);
  }
  const map = doc && typeof doc === "object" && "config" in doc ? (doc as { config: unknown }).config : doc;
  if (!map || typeof map !== "object" || Array.isArray(map)) {
    throw new OverrideError(`--config-file ${path}: expected a map of keys, like a stack file's config: section (iron:agentBudget: 25)`);
  }
  return Object.entries(map as Record<string, unknown>).map(([key, value]) => ({ path: keyPath(key, `--config-file ${path}`), value, source: `--config-file ${path}` }));
}

/** The stack file's `iron:*` values with the overrides laid over them, in order (later ones win). */
export function applyOverrides(iron: Record<string, unknown>, overrides: ConfigOverride[]): Record<string, unknown> {
  const result = structuredClone(iron);
  for (const { path, value, source } of overrides) {
    let node: Record<string, unknown> = result;
    for (const [i, key] of path.slice(0, -1).entries()) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (!next || typeof next !== "object" || Array.isArray(next)) {
        throw new OverrideError(`${source}: iron:${path.slice(0, i + 1).join(".")} is not a map, so it has no key ${path[i + 1]}`);
      }
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return result;
}

function keyPath(key: string, source: string): string[] {
  const colon = key.indexOf(":");
  if (colon >= 0 && key.slice(0, colon) !== NAMESPACE) {
    throw new OverrideError(`${source}: only iron:* keys shape the offline plan; "${key.slice(0, colon)}:" config (such as aws:region) is read by its provider in a real pulumi up`);
  }
  const path = key.slice(colon + 1).split(".");
  if (path.some((p) => p === "")) throw new OverrideError(`${source}: "${key}" is not a key; use iron:<key> or iron:<key>.<subkey>`);
  return path;
}
