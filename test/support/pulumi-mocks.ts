/**
 * Runs the Pulumi program for a shipped stack file under the mock runtime, in a
 * child process started exactly as Pulumi's language host starts it (nodeargs
 * from Pulumi.yaml), and returns what it registered.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CapturedResource, MockRun } from "../../scripts/lib/mock-program.js";
import { projectNodeArgs, SECRET_SIG_KEY } from "../../scripts/lib/mock-program.js";

const run = promisify(execFile);
export const repoRoot = new URL("../..", import.meta.url).pathname;

export interface StackRun extends MockRun {
  stderr: string;
}

/** `statePath`: outputs kept between runs as the stack's state keeps them (see MockRunOptions.statePath). */
export async function runStack(stack: string, overrides: Record<string, unknown> = {}, options: { statePath?: string } = {}): Promise<StackRun> {
  const sets = Object.entries(overrides).flatMap(([k, v]) => (v === undefined ? ["--unset", k] : ["--set", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`]));
  const state = options.statePath ? ["--state", options.statePath] : [];
  const { stdout, stderr } = await run(process.execPath, [...projectNodeArgs(repoRoot), "scripts/run-with-mocks.ts", "--stack", stack, ...sets, ...state], {
    cwd: repoRoot, maxBuffer: 64 << 20,
  });
  return { ...(JSON.parse(stdout) as MockRun), stderr };
}

/** Runs a stack that must fail; returns its error output. */
export async function failStack(stack: string, overrides: Record<string, unknown> = {}): Promise<string> {
  try {
    await runStack(stack, overrides);
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  throw new Error(`stack ${stack} with ${JSON.stringify(overrides)} was expected to fail`);
}

export function isSecretWrapper(value: unknown): value is { value: unknown } {
  return !!value && typeof value === "object" && SECRET_SIG_KEY in value;
}

/** Inputs with secret wrappers replaced by their values (for asserting on wiring). */
export function unwrap(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrap(value.value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  return value;
}

/** Every place a string containing `needle` sits in `value` outside a secret wrapper. */
export function plainOccurrences(value: unknown, needle: string, path = ""): string[] {
  if (isSecretWrapper(value)) return [];
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${path}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, needle, `${path}.${k}`));
  return [];
}

export function find(run: MockRun, type: string, name: string): CapturedResource {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have: ${run.resources.map((r) => `${r.type}:${r.name}`).join(", ")}`);
  return found;
}

export function containers(run: MockRun): CapturedResource[] {
  return run.resources.filter((r) => r.type === "docker:index/container:Container");
}

/** A container's environment as a map (secret or not). */
export function envOf(resource: CapturedResource): Record<string, string> {
  const envs = (unwrap(resource.inputs.envs) ?? []) as string[];
  return Object.fromEntries(envs.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

export interface UploadedFile { file: string; content: string; owner?: string; group?: string; permissions?: string; secret: boolean }

/** A docker container's secrets as the docker target passes them: `NAME` → the uploaded file `NAME_FILE` names. */
export function secretFilesOf(resource: CapturedResource): Record<string, UploadedFile> {
  // The engine marks the whole list secret when any file's content is.
  const raw = resource.inputs.uploads;
  const list = (isSecretWrapper(raw) ? raw.value : raw ?? []) as Record<string, unknown>[];
  const uploads = list.map((u) => ({ ...(unwrap(u) as Omit<UploadedFile, "secret">), secret: isSecretWrapper(raw) || isSecretWrapper(u.content) }));
  const files = Object.entries(envOf(resource)).filter(([name]) => name.endsWith("_FILE"));
  return Object.fromEntries(files.map(([name, path]) => {
    const upload = uploads.find((u) => u.file === path);
    if (!upload) throw new Error(`${resource.name}: ${name}=${path} but no upload writes ${path}`);
    return [name.slice(0, -"_FILE".length), upload];
  }));
}
