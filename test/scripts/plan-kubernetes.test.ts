/** `npm run plan -- --target kubernetes` as an operator runs it: the plan for every stack, and the manifests for review. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { STACK_NAMES } from "../../infra/catalog.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], { cwd: root, maxBuffer: 64 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe("plan --target kubernetes", async () => {
  const [plans, manifests, notKube] = await Promise.all([
    Promise.all(STACK_NAMES.map((stack) => plan("--stack", stack, "--target", "kubernetes", "--json"))),
    plan("--stack", "full-platform", "--target", "kubernetes", "--manifests"),
    plan("--stack", "full-platform", "--manifests"),
  ]);

  it("plans every stack with no flags, in the plan's JSON shape (agent-only signs its own token)", () => {
    for (const [i, result] of plans.entries()) {
      expect(result.code, result.stderr).toBe(0);
      const doc = JSON.parse(result.stdout) as Record<string, unknown> & { resources: { type: string; package: string }[]; outputs: Record<string, unknown> };
      expect(Object.keys(doc)).toEqual(["plan", "stack", "config", "installOrder", "resources", "outputs", "warnings"]);
      expect(doc.stack).toBe(STACK_NAMES[i]);
      expect(doc.outputs.target).toBe("kubernetes");
      expect(doc.resources.some((r) => r.type === "kubernetes:core/v1:Namespace")).toBe(true);
    }
  });

  it("prints the rendered objects as YAML, secret values redacted", () => {
    expect(manifests.code, manifests.stderr).toBe(0);
    const docs = parseAllDocuments(manifests.stdout).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } });
    expect(docs.length).toBeGreaterThan(30);
    for (const doc of docs) {
      expect(doc.apiVersion).toBeTruthy();
      expect(doc.metadata.name).toBeTruthy();
    }
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(["Namespace", "Deployment", "StatefulSet", "Job", "DaemonSet", "NetworkPolicy", "Secret", "Service"]));
    const env = docs.find((d) => d.kind === "Secret" && d.metadata.name === "control-panel-env") as unknown as { stringData: Record<string, string> };
    expect(env.stringData).toEqual({ DATABASE_URL: "[secret]", IRON_ADMIN_PASSWORD: "[secret]", IRON_MASTER_KEY: "[secret]", REDIS_URL: "[secret]" });
    expect(manifests.stdout).not.toContain("mocksecret");
  });

  it("refuses --manifests for a stack on another target, saying how", () => {
    expect(notKube.code).toBe(2);
    expect(notKube.stderr).toContain("add --target kubernetes");
  });
});
