/** Helpers for the aws target's mock-runtime tests. */
import type { CapturedResource, MockRun } from "../../scripts/lib/mock-program.js";
import { find, unwrap } from "../support/pulumi-mocks.js";

export const TOKEN = "eyJhbGciOiJFZERTQSJ9.mock-agent-token.sig";
export const OPENAI_KEY = "sk-mock-openai-key";

/** The aws building blocks a run created, as "Block:name", sorted. */
export function blocks(run: MockRun): string[] {
  return run.resources.filter((r) => r.type.startsWith("iron:aws:")).map((r) => `${r.type.slice("iron:aws:".length)}:${r.name}`).sort();
}

export function ofType(run: MockRun, type: string): CapturedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The distinct provider modules a run used, e.g. "ec2", "rds" (from aws:<module>/…). */
export function awsModules(run: MockRun): string[] {
  return [...new Set(run.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type.slice(4, r.type.indexOf("/"))))].sort();
}

export interface ContainerDefinition {
  name: string;
  image: string;
  command?: string[];
  essential: boolean;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  dependsOn?: { containerName: string; condition: string }[];
  healthCheck?: { command: string[] };
  logConfiguration: { logDriver: string; options: Record<string, string> };
}

export function containerDefinitions(run: MockRun, task: string): ContainerDefinition[] {
  const definition = find(run, "aws:ecs/taskDefinition:TaskDefinition", task);
  return JSON.parse(unwrap(definition.inputs.containerDefinitions) as string) as ContainerDefinition[];
}
