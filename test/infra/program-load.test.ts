/**
 * Starts `node` with the arguments Pulumi.yaml gives the Node language host
 * (runtime.options.nodeargs), loads `main` under Pulumi's mock runtime the way
 * the language host loads an ES module program, and reads the stack outputs —
 * so a module-format mistake fails here and not on a user's first `pulumi up`.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { STRATEGIES, installOrder } from "../../infra/catalog.js";
import { projectNodeArgs } from "../../scripts/lib/mock-program.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

async function loadProgram(stack: string, ...set: string[]) {
  const args = [...projectNodeArgs(root), "scripts/run-with-mocks.ts", "--stack", stack, ...set.flatMap((s) => ["--set", s])];
  try {
    const { stdout } = await run(process.execPath, args, { cwd: root, env: { ...process.env, NODE_OPTIONS: "" } });
    return { code: 0, run: JSON.parse(stdout) as { outputs: Record<string, unknown> }, stderr: "" };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, run: undefined, stderr: e.stderr };
  }
}

describe("the Pulumi program loads as the language host will load it", () => {
  it("uses tsx as an --import loader (package.json is an ES module)", () => {
    expect(projectNodeArgs(root)).toEqual(["--import", "tsx"]);
  });

  for (const strategy of Object.values(STRATEGIES)) {
    it(`stack ${strategy.stack}: exports strategy, packages and install order`, async () => {
      const result = await loadProgram(strategy.stack, "agentToken=mock-agent-token");
      expect(result.code, result.stderr).toBe(0);
      expect(result.run?.outputs).toMatchObject({
        strategy: strategy.id,
        packages: installOrder(strategy.packages),
        installOrder: installOrder(strategy.packages),
      });
    });
  }

  it("fails with the config message, not a stack trace, on a bad strategy", async () => {
    const result = await loadProgram("full-platform", "strategy=everything");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('iron:strategy: "everything" is not allowed; allowed: full, agent-only, panel-clis, sandbox-only');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
