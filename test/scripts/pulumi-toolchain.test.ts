/**
 * scripts/pulumi-toolchain: the builder against the real Go module proxy, on a tiny module (golang.org/x/example's
 * hello command) so the cache, the partial-build rule and the lock are exercised in seconds; the table of the real
 * toolchain; and a module the proxy refuses, which must come back as "blocked" naming that module.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTool, readBuildRecord, toolDir } from "../../scripts/pulumi-toolchain/build.js";
import { pseudoVersion, toolchainTools, type GoCommandTool } from "../../scripts/pulumi-toolchain/tools.js";
import { repoRoot } from "../support/pulumi-mocks.js";

const root = mkdtempSync(join(tmpdir(), "iron-toolchain-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hello: GoCommandTool = {
  kind: "go-command",
  binary: "hello",
  version: "0.0.0-20250915201037",
  module: "golang.org/x/example/hello",
  moduleVersion: "v0.0.0-20250915201037-7f05d217867b",
  package: "golang.org/x/example/hello",
};

const lines: string[] = [];
const progress = (line: string) => lines.push(line);

function runHello(path: string): string {
  const r = spawnSync(path, ["-g", "Hi", "iron"], { encoding: "utf8" });
  return `${r.stdout}${r.stderr}`.trim();
}

describe("the toolchain builder, on the Go module proxy", () => {
  it("builds a command into <cache>/pulumi/<binary>@<version>/ and finds it cached the next time", async () => {
    const first = await buildTool(hello, root, progress);
    expect(first).toMatchObject({ status: "built", path: join(toolDir(root, hello), "hello") });
    // The binary we built runs: `hello -g Hi iron` greets.
    expect(runHello(join(toolDir(root, hello), "hello"))).toBe("Hi, iron!");
    expect(readBuildRecord(root, hello)).toMatchObject({ module: hello.module, moduleVersion: hello.moduleVersion });
    expect(readFileSync(join(toolDir(root, hello), "go.mod"), "utf8")).toContain(`${hello.module} ${hello.moduleVersion}`);
    expect(lines.some((l) => l.startsWith("hello 0.0.0-20250915201037: compiling golang.org/x/example/hello"))).toBe(true);
    expect(await buildTool(hello, root, progress)).toMatchObject({ status: "cached" });
  });

  it("never takes a partial entry (no build.json) as done: it builds it again", async () => {
    const partial = { ...hello, version: "partial-entry" };
    mkdirSync(toolDir(root, partial), { recursive: true });
    writeFileSync(join(toolDir(root, partial), "hello"), "#!/bin/sh\necho half-built\n", { mode: 0o755 });
    expect(await buildTool(partial, root, progress)).toMatchObject({ status: "built" });
    expect(runHello(join(toolDir(root, partial), "hello"))).toBe("Hi, iron!");
  });

  it("two builders at once: one builds, the other waits on the lock and finds it cached", async () => {
    const raced = { ...hello, version: "raced" };
    const results = await Promise.all([buildTool(raced, root, progress), buildTool(raced, root, progress)]);
    expect(results.map((r) => r.status).sort()).toEqual(["built", "cached"]);
  });

  it("reports a failed build with go's own words and leaves no entry", async () => {
    const broken = { ...hello, version: "broken", package: "golang.org/x/example/hello/no-such-package" };
    const r = await buildTool(broken, root, progress);
    expect(r.status).toBe("failed");
    expect(r.status === "failed" && r.reason).toMatch(/golang.org\/x\/example\/hello\/no-such-package/);
    expect(readBuildRecord(root, broken)).toBeUndefined();
  });

  it("names the module when the proxy refuses it (the docker provider's module today)", async () => {
    const docker = toolchainTools(repoRoot).find((t) => t.binary === "pulumi-resource-docker")!;
    const r = await buildTool(docker, root, progress);
    expect(r).toMatchObject({ status: "blocked", module: `github.com/pulumi/pulumi-docker/provider/v5@${docker.kind === "bridged" ? docker.providerModuleVersion : ""}` });
    expect(r.status === "blocked" && r.reason).toMatch(/40[34]|not available|not found/i);
  });
});

describe("the toolchain table", () => {
  it("pins each binary to the npm package it serves", () => {
    const version = (name: string) => (JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    const tools = Object.fromEntries(toolchainTools(repoRoot, { time: "2026-06-24T12:07:34Z", hash: "a88168d865b7fd428e5a929cc54aeceaf72d203f" }).map((t) => [t.binary, t]));
    expect(tools.pulumi).toMatchObject({ version: version("@pulumi/pulumi"), moduleVersion: `v${version("@pulumi/pulumi")}` });
    expect(tools["pulumi-language-nodejs"]).toMatchObject({ moduleVersion: "v3.0.0-20260624120734-a88168d865b7" });
    expect(tools["pulumi-resource-docker"]).toMatchObject({ version: version("@pulumi/docker"), providerModule: `github.com/pulumi/pulumi-docker/provider/v${version("@pulumi/docker").split(".")[0]}` });
    expect(tools["pulumi-resource-random"]).toMatchObject({ version: version("@pulumi/random") });
  });

  it("derives an untagged module's pseudo-version from the commit (UTC time, 12 hex digits)", () => {
    expect(pseudoVersion(3, { time: "2026-06-24T14:07:34+02:00", hash: "a88168d865b7fd428e5a929cc54aeceaf72d203f" })).toBe("v3.0.0-20260624120734-a88168d865b7");
    expect(() => pseudoVersion(3, { time: "yesterday", hash: "a88168d865b7" })).toThrow(/commit time/);
    expect(() => pseudoVersion(3, { time: "2026-06-24T12:07:34Z", hash: "main" })).toThrow(/commit hash/);
  });
});

describe("scripts/pulumi-toolchain.ts", () => {
  const cli = (...args: string[]) => spawnSync("npx", ["tsx", "scripts/pulumi-toolchain.ts", ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, IRON_TEST_CACHE: root } });

  it("refuses an unknown binary, naming the ones it has", () => {
    const r = cli("--only", "pulumi-resource-aws");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown binary pulumi-resource-aws; the toolchain has: pulumi, pulumi-language-nodejs, pulumi-resource-docker, pulumi-resource-random");
  });

  it("--print-path prints only built directories; a blocked binary is named on stderr and exits 3", () => {
    const r = cli("--only", "pulumi-resource-random", "--print-path");
    expect(r.status).toBe(3);
    expect(r.stdout).toBe("\n");
    expect(r.stderr).toContain("BLOCKED pulumi-resource-random");
    expect(r.stderr).toContain("github.com/pulumi/pulumi-random/provider/v4@v");
  });

  it("--list --json prints the table without building anything", () => {
    const r = cli("--list", "--json");
    expect(r.status, r.stderr).toBe(0);
    const { tools } = JSON.parse(r.stdout) as { tools: { binary: string; module: string }[] };
    expect(tools.map((t) => t.binary)).toEqual(["pulumi", "pulumi-language-nodejs", "pulumi-resource-docker", "pulumi-resource-random"]);
    expect(tools[1]!.module, "the Node.js host's pseudo-version: a new @pulumi/pulumi needs its commit in SDK_RELEASE_COMMITS (scripts/pulumi-toolchain/tools.ts)").toMatch(/^github\.com\/pulumi\/pulumi\/sdk\/nodejs\/cmd\/pulumi-language-nodejs\/v3@v3\.0\.0-\d{14}-[0-9a-f]{12}$/);
  });
});
