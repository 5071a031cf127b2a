/** The policy pack's rules, run the way the engine runs them, over the offline plan of a shipped stack. */
import { evaluate, type Evaluation, type PlannedResource } from "../../policy/lib/evaluate.js";
import { PACK } from "../../policy/pack.js";
import { runStack, type StackRun } from "../support/pulumi-mocks.js";

export { PACK };

export const TOKEN = "eyJhbGciOiJFZERTQSJ9.mock-agent-token.sig";
export const OPENAI_KEY = "sk-mockopenaikey0123456789";

/** Per stack, what it needs to deploy every package of its strategy (the runtime waits for a token). */
export const STACK_SETTINGS: Record<string, Record<string, unknown>> = {
  "full-platform": { agentToken: TOKEN, openaiApiKey: OPENAI_KEY },
  "agent-only": { agentToken: TOKEN, openaiApiKey: OPENAI_KEY },
  "panel-clis": {},
  "sandbox-only": {},
};

export interface CheckedPlan {
  run: StackRun;
  evaluation: Evaluation;
}

export async function checkPlan(stack: string, overrides: Record<string, unknown> = {}): Promise<CheckedPlan> {
  const run = await runStack(stack, { ...STACK_SETTINGS[stack], ...overrides });
  return { run, evaluation: await evaluate(PACK, run.resources) };
}

export async function checkResources(resources: PlannedResource[]): Promise<Evaluation> {
  return evaluate(PACK, resources);
}

/** A resource as a plan holds it, inside the given chain of component types (outermost first). */
export function planned(type: string, name: string, inputs: Record<string, unknown>, within: string[] = []): PlannedResource {
  return { type, name, urn: `urn:pulumi:test::iron::${[...within, type].join("$")}::${name}`, inputs, outputs: inputs };
}

/** Violation messages of one policy. */
export function messagesOf(evaluation: Evaluation, policy: string): string[] {
  return evaluation.violations.filter((v) => v.policy === policy).map((v) => v.message);
}
