/** `npm run plan`: every shipped stack plans offline with no flags; --config and --config-file set keys and are validated like the stack file. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STACK_NAMES } from "../../infra/catalog.js";
import { repoRoot } from "../support/pulumi-mocks.js";

interface PlanJson {
  stack: string;
  config: Record<string, unknown>;
  installOrder: string[];
  resources: { type: string; name: string; package: string; inputs: Record<string, unknown> }[];
  outputs: Record<string, unknown>;
  warnings: string[];
}

function plan(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function planJson(args: string[]): PlanJson {
  const result = plan([...args, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

const dir = mkdtempSync(join(tmpdir(), "iron-plan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("plan with no flags", () => {
  it.each(STACK_NAMES)("plans the shipped stack %s", (stack) => {
    const result = plan(["--stack", stack]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Offline plan for stack ${stack}`);
    if (stack === "full-platform") {
      // As pulumi up would: the panel first, the runtime once a token is set.
      expect(result.stdout).toMatch(/3\. Agent Runtime \(agent-runtime\)\n {3}waiting: not deployed until iron:agentToken is set/);
    }
    if (stack === "agent-only") expect(result.stdout).toMatch(/1\. Agent Runtime \(agent-runtime\)\n(.*\n)*? {3}\+ random:index\/randomBytes:RandomBytes {2}agent-runtime-token-signing-seed/);
  });
});

describe("plan --config", () => {
  it("sets keys with or without iron:, and dotted paths into maps", () => {
    const run = planJson(["--stack", "sandbox-only", "--config", "iron:sandboxNodes.count=2", "--config", "publishAddress=0.0.0.0"]);
    expect(run.config).toEqual({ sandboxNodes: { count: 2 }, publishAddress: "0.0.0.0" });
    expect(run.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.name)).toEqual(["sandbox-node-1", "sandbox-node-2"]);
  });

  it("reads values as the engine hands them to the program, and prints no secret", () => {
    const run = planJson(["--stack", "agent-only", "--config", "agentBudget=25", "--config", "openaiApiKey=sk-given-on-the-command-line"]);
    expect(run.config).toEqual({ agentBudget: 25, openaiApiKey: "[secret]" });
    const container = run.resources.find((r) => r.type === "docker:index/container:Container" && r.name === "agent-runtime")!;
    expect(container.inputs.envs).toEqual(expect.arrayContaining(["IRON_TOKEN_FILE=/run/secrets/iron_token", "OPENAI_API_KEY_FILE=/run/secrets/openai_api_key"]));
    expect(container.inputs.uploads).toBe("[secret]");
    const printed = JSON.stringify(run);
    expect(printed).not.toContain("sk-given-on-the-command-line");
    expect(printed).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  });

  it("takes a --config-file shaped like a stack file; --config wins over it", () => {
    const file = join(dir, "settings.yaml");
    writeFileSync(file, "config:\n  iron:target: aws\n  iron:agentBudget: 3\n  iron:aws:\n    logRetentionDays: 90\n    natGateways: none\n");
    const run = planJson(["--stack", "agent-only", "--config-file", file, "--config", "aws.logRetentionDays=14"]);
    expect(run.config).toEqual({ target: "aws", agentBudget: 3, aws: { logRetentionDays: 14, natGateways: "none" } });
    expect(run.outputs.target).toBe("aws");
    const logs = run.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "agent-runtime-logs")!;
    expect(logs.inputs.retentionInDays).toBe(14);
    expect(run.resources.some((r) => r.type === "aws:ec2/natGateway:NatGateway")).toBe(false);
  });

  it("a bad value names the key and the allowed values, exit 2, before the program runs", () => {
    const bad = plan(["--stack", "agent-only", "--config", "target=gcp"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("stacks/Pulumi.agent-only.yaml with the --config / --config-file values laid over it has a problem");
    expect(bad.stderr).toContain('iron:target: "gcp" is not allowed; allowed: docker, kubernetes, aws');
    expect(bad.stdout).toBe("");

    const budget = plan(["--stack", "agent-only", "--config", "agentBudget=-1"]);
    expect(budget.code).toBe(2);
    expect(budget.stderr).toContain("iron:agentBudget: -1 is too small; minimum 0.000001");

    const file = join(dir, "bad.yaml");
    writeFileSync(file, "iron:sandboxNodes:\n  count: 0\n");
    const fromFile = plan(["--stack", "sandbox-only", "--config-file", file]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain("iron:sandboxNodes.count: 0 is too small; minimum 1");
  });

  it("an unknown key lists the known ones; a malformed flag or foreign namespace says what to type; exit 2", () => {
    const unknown = plan(["--stack", "agent-only", "--config", "budget=5"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/iron:budget: unknown key; known keys: .*agentBudget/);
    const malformed = plan(["--stack", "agent-only", "--config", "agentBudget"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--config agentBudget: expected key=value");
    const foreign = plan(["--stack", "agent-only", "--config", "aws:region=eu-west-1"]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("only iron:* keys shape the offline plan");
    const missing = plan(["--stack", "agent-only", "--config-file", join(dir, "absent.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--config-file ${join(dir, "absent.yaml")}: ENOENT`);
  });
});
