/** `npm run policy`: the pack over a stack's offline plan, as an operator runs it. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectNodeArgs } from "../../scripts/lib/mock-program.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const exec = promisify(execFile);

async function policy(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [...projectNodeArgs(repoRoot), "scripts/policy-check.ts", ...args], { cwd: repoRoot, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run policy", () => {
  it("passes a shipped stack's aws plan and says how many resources and policies it judged", async () => {
    const result = await policy("--stack", "sandbox-only", "--target", "aws", "--json");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { stack: string; resources: number; policies: number; violations: unknown[] };
    expect(report).toMatchObject({ stack: "sandbox-only", policies: 38, violations: [] });
    expect(report.resources).toBeGreaterThan(20);
  });

  it("exits 1 naming the rule and the resource when a changed setting breaks a mandatory rule", async () => {
    const result = await policy("--stack", "panel-clis", "--target", "aws", "--set", 'aws={"multiAz":false}');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ rds-instance-multi-az-enabled \(mandatory\) control-panel-db: RDS Instances must be configured with multiple AZs/);
    expect(result.stdout).toMatch(/1 mandatory violation\(s\): pulumi up --policy-pack policy\/ would refuse this plan/);
  });

  it("rejects an unknown stack with the list of stacks, exit 2", async () => {
    const result = await policy("--stack", "nope");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown stack "nope"; the stacks are: full-platform, agent-only, panel-clis, sandbox-only/);
  });
});
