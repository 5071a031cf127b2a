import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, ConfigError, checkConfig, resolveConfig } from "../../infra/config.js";
import { STRATEGIES } from "../../infra/catalog.js";
import { ironValuesFromEngine, readStackFile } from "../../infra/stack-file.js";

const root = new URL("../..", import.meta.url).pathname;

function problemOf(raw: Record<string, unknown>): string {
  try {
    resolveConfig("test", raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("stack config", () => {
  it("names the stack file, the key, the bad value and the allowed values", () => {
    const message = problemOf({ strategy: "everything" });
    expect(message).toContain("stacks/Pulumi.test.yaml");
    expect(message).toContain('iron:strategy: "everything" is not allowed; allowed: full, agent-only, panel-clis, sandbox-only');
  });

  it("reports a missing strategy, unknown keys and bad nested values together", () => {
    const message = problemOf({ target: "gcp", imags: {}, sandboxNodes: { count: 0, os: "windows" }, images: { postgress: "postgres:16" } });
    expect(message).toContain("iron:strategy: required but not set");
    expect(message).toContain('iron:target: "gcp" is not allowed; allowed: docker, kubernetes, aws');
    expect(message).toContain("iron:imags: unknown key; known keys: strategy,");
    expect(message).toContain("iron:sandboxNodes.count: 0 is too small; minimum 1");
    expect(message).toContain('iron:sandboxNodes.os: "windows" is not allowed; allowed: al2023, ubuntu-24.04, debian-12');
    expect(message).toContain("iron:images.postgress: unknown key; known keys: controlPanel,");
  });

  it("rejects a URL that is not http(s), a bad domain and a wrongly typed boolean", () => {
    const message = problemOf({ strategy: "agent-only", controlPanelUrl: "ftp://panel", domain: "not a domain", telemetry: "yes" });
    expect(message).toContain('iron:controlPanelUrl: "ftp://panel" must be an http:// or https:// URL');
    expect(message).toContain("iron:domain:");
    expect(message).toContain('iron:telemetry: "yes" is a string, expected boolean');
  });

  it("applies defaults: docker target, production mode, one al2023 sandbox node", () => {
    const config = resolveConfig("s", { strategy: "sandbox-only" });
    expect(config).toMatchObject({ target: "docker", mode: "production", sandboxNodes: { count: 1, instanceType: "t3.small", os: "al2023" }, packages: ["sandbox"] });
  });

  it("accepts full-platform as an alias of the full strategy", () => {
    expect(resolveConfig("s", { strategy: "full-platform" }).strategy).toBe("full");
  });

  it("adds or removes the optional Marketing Site and refuses it where it does not apply", () => {
    expect(resolveConfig("s", { strategy: "panel-clis", marketingSite: true }).packages).toEqual(["control-panel", "marketing-site", "cli", "cli-py"]);
    expect(resolveConfig("s", { strategy: "panel-clis" }).packages).toEqual(["control-panel", "cli", "cli-py"]);
    expect(problemOf({ strategy: "agent-only", marketingSite: true })).toContain("iron:marketingSite: applies only to the strategies full and panel-clis");
  });

  it("fails a stack whose packages break a dependency, naming it and the fix", () => {
    const message = problemOf({ strategy: "panel-clis", exclude: ["control-panel"] });
    expect(message).toContain("CLI Tool → Control Panel (required)");
    expect(message).toContain("Python CLI → Control Panel (required)");
    expect(message).toContain("control-panel is in iron:exclude");
    expect(resolveConfig("s", { strategy: "panel-clis", exclude: ["control-panel"], controlPanelUrl: "https://panel.example.com" }).packages).toEqual(["cli", "cli-py"]);
  });

  it("checkConfig reports problems without throwing", () => {
    const report = checkConfig({ strategy: "panel-clis", exclude: ["control-panel"] });
    expect(report.config?.strategy).toBe("panel-clis");
    expect(report.violations).toHaveLength(2);
    expect(checkConfig({ strategy: "nope" }).config).toBeUndefined();
  });

  it("reads engine values (strings, JSON objects, booleans) the same as stack file values", () => {
    const raw = ironValuesFromEngine({
      "iron:strategy": "full", "iron:telemetry": "true", "iron:sandboxNodes": '{"count":2,"os":"debian-12"}', "aws:region": "eu-west-1",
    });
    expect(raw).toEqual({ strategy: "full", telemetry: true, sandboxNodes: { count: 2, os: "debian-12" } });
  });
});

describe("the shipped stack files", () => {
  for (const strategy of Object.values(STRATEGIES)) {
    it(`stacks/Pulumi.${strategy.stack}.yaml is valid and selects strategy ${strategy.id}`, () => {
      const file = readStackFile(root, strategy.stack);
      expect(file).toBeDefined();
      const config = resolveConfig(strategy.stack, file!.iron);
      expect(config.strategy).toBe(strategy.id);
      expect(config.packages.filter((p) => strategy.packages.includes(p))).toHaveLength(strategy.packages.length);
    });
  }

  it("document every config key in place", () => {
    for (const strategy of Object.values(STRATEGIES)) {
      const text = readFileSync(`${root}/stacks/Pulumi.${strategy.stack}.yaml`, "utf8");
      for (const key of CONFIG_KEYS) expect(text, `${strategy.stack} mentions iron:${key}`).toContain(`iron:${key}`);
    }
  });
});

describe("Pulumi.yaml", () => {
  const project = parse(readFileSync(`${root}/Pulumi.yaml`, "utf8")) as {
    name: string; main: string; stackConfigDir: string;
    runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
    config: Record<string, { type: string; description: string; items?: { type: string } }>;
  };

  it("names the project iron, points main at infra/index.ts and stacks/ for config", () => {
    expect(project).toMatchObject({ name: "iron", main: "infra/index.ts", stackConfigDir: "stacks", runtime: { name: "nodejs" } });
  });

  it("declares typed config that Pulumi's project schema accepts, for keys infra/config.ts knows", () => {
    for (const [key, decl] of Object.entries(project.config)) {
      expect(CONFIG_KEYS).toContain(key);
      // Pulumi's project.json: type is required and one of these; arrays need items.
      expect(["string", "integer", "boolean", "array"]).toContain(decl.type);
      if (decl.type === "array") expect(decl.items?.type).toBeDefined();
      expect(decl.description.length).toBeGreaterThan(10);
      expect(Object.keys(decl).every((k) => ["type", "items", "description", "secret", "default"].includes(k))).toBe(true);
    }
  });

  it("declares without a default only keys every stack file sets (Pulumi refuses a stack that lacks such a key)", () => {
    // The real CLI found this: a declared key with no default is required, so `pulumi config`/`up` failed on every
    // stack with "missing configuration values 'adminEmail', 'agentToken', …" while the mocks never looked.
    for (const [key, decl] of Object.entries(project.config)) {
      if ((decl as { default?: unknown }).default !== undefined) continue;
      for (const strategy of Object.values(STRATEGIES)) {
        expect(readStackFile(root, strategy.stack)?.iron, `stacks/Pulumi.${strategy.stack}.yaml sets iron:${key}`).toHaveProperty(key);
      }
    }
  });
});
