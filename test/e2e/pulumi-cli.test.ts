/**
 * The real Pulumi CLI (built offline from the Go module proxy by scripts/pulumi-toolchain) on the project file and
 * the stack files we ship: a file backend, passphrase secrets, no update check, no plugin download.
 *
 * What runs here is what the proxy lets us build: the CLI. The Node.js language host and the docker and random
 * providers are refused by the proxy (notes/issue-16.md names the modules), so `pulumi up` cannot run yet; these
 * tests prove what the CLI itself checks before any program runs: that it loads Pulumi.yaml and every stack file
 * (it refused all four while Pulumi.yaml declared optional keys without defaults, which Pulumi takes as required),
 * that the one required key is enforced, and that a secret set as the README says stays encrypted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_NAMES } from "../../infra/catalog.js";
import { readStackFile } from "../../infra/stack-file.js";
import { ensureToolchainBinary, pulumiWorkspace, type PulumiWorkspace } from "../support/pulumi-cli.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const pulumiVersion = (JSON.parse(readFileSync(join(repoRoot, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;

describe("the Pulumi CLI built from the Go module proxy, on the shipped project", () => {
  let ws: PulumiWorkspace;

  beforeAll(async () => {
    // Cold, this builds the CLI (minutes); CI builds it in .ci/run before the tests, so here it is found cached.
    ws = pulumiWorkspace(await ensureToolchainBinary("pulumi"));
    for (const stack of STACK_NAMES) ws.must(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  }, 1_800_000);

  afterAll(() => ws?.remove());

  it("is the version of @pulumi/pulumi in package.json", () => {
    expect(ws.must(["version"]).trim()).toBe(`v${pulumiVersion}`);
  });

  it.each(STACK_NAMES)("reads stacks/Pulumi.%s.yaml through Pulumi.yaml's stackConfigDir", (stack) => {
    const config = JSON.parse(ws.must(["config", "--json", "--stack", stack])) as Record<string, { value?: unknown }>;
    const shipped = readStackFile(repoRoot, stack)!;
    expect(config["iron:strategy"]?.value).toBe(shipped.iron.strategy);
    // `stack init` with a passphrase writes the salt into the stack file it found: the one under stacks/.
    expect(readFileSync(join(ws.dir, "stacks", `Pulumi.${stack}.yaml`), "utf8")).toMatch(/^encryptionsalt: /m);
  });

  it("keeps iron:agentToken encrypted in the stack file when set as the README says", () => {
    const token = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJpcm9uLWNvbnRyb2wtcGFuZWwifQ.c2lnbmF0dXJl";
    ws.must(["config", "set", "--secret", "iron:agentToken", token, "--stack", "full-platform"]);
    const file = readFileSync(join(ws.dir, "stacks", "Pulumi.full-platform.yaml"), "utf8");
    expect(file).not.toContain(token);
    expect(file).toMatch(/iron:agentToken:\s*\n\s+secure: /);
    expect(ws.must(["config", "get", "iron:agentToken", "--stack", "full-platform"]).trim()).toBe(token);
    const listed = JSON.parse(ws.must(["config", "--json", "--stack", "full-platform"])) as Record<string, { value?: unknown; secret?: boolean }>;
    expect(listed["iron:agentToken"]).toMatchObject({ secret: true });
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it("refuses a stack file without iron:strategy, naming the key (the one key Pulumi.yaml declares as required)", () => {
    const path = join(ws.dir, "stacks", "Pulumi.agent-only.yaml");
    const shipped = readFileSync(path, "utf8");
    try {
      writeFileSync(path, shipped.replace(/^ {2}iron:strategy: .*$/m, ""));
      const r = ws.run(["config", "--json", "--stack", "agent-only"]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("Stack 'agent-only' is missing configuration value 'strategy'");
    } finally {
      writeFileSync(path, shipped);
    }
  });
});
