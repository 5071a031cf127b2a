/** The preflight's decisions, from injected facts: each failure path with its hint. */
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../infra/config.js";
import { preflightChecks, sandboxHostChecks, type Check } from "../../scripts/preflight/checks.js";
import type { HostFacts } from "../../scripts/preflight/facts.js";
import { imageTag, parseVersion } from "../../scripts/preflight/versions.js";

const healthyHost: HostFacts = {
  platform: "linux", node: "20.20.2",
  pulumi: { found: true, version: "v3.248.0", detail: "on PATH" },
  docker: { found: true, version: "28.2.2" },
  kubectl: { found: true, context: "kind-iron" },
  aws: { credentials: true, source: "AWS_PROFILE=iron" },
  kernel: "6.18.44-fc-v782", landlock: { status: "enabled", abi: 7, source: "test" }, libseccomp: "2.5.4", glibc: "2.36",
};

function checks(raw: Record<string, unknown>, host: Partial<HostFacts> = {}, services = {}, artifacts = {}): Check[] {
  return preflightChecks({ stack: "s", stackFile: "stacks/Pulumi.s.yaml", report: checkConfig(raw), host: { ...healthyHost, ...host }, services, artifacts });
}
const byId = (list: Check[], id: string) => list.find((c) => c.id === id);

describe("version parsing", () => {
  it("parses kernel, distro and server version strings", () => {
    expect(parseVersion("6.18.44-fc-v782")?.version).toBe("6.18.44");
    expect(parseVersion("5.10.0-28-amd64")?.version).toBe("5.10.0");
    expect(parseVersion("16.4 (Debian 16.4-1.pgdg120+1)")?.version).toBe("16.4.0");
    expect(parseVersion("v3.248.0")?.version).toBe("3.248.0");
    expect(parseVersion("garbage")).toBeUndefined();
  });

  it("reads the tag of an image reference", () => {
    expect(imageTag("postgres:16")).toBe("16");
    expect(imageTag("registry.local:5000/lib/redis:7.2-alpine")).toBe("7.2-alpine");
    expect(imageTag("registry.local:5000/lib/redis")).toBeUndefined();
    expect(imageTag("postgres:15@sha256:abc")).toBe("15");
  });
});

describe("sandbox host requirements", () => {
  it("all ok on a healthy host", () => {
    expect(sandboxHostChecks(healthyHost).map((c) => c.status)).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("kernel 5.10 fails with an upgrade hint", () => {
    const kernel = byId(sandboxHostChecks({ ...healthyHost, kernel: "5.10.0-28-amd64" }), "kernel")!;
    expect(kernel).toMatchObject({ status: "fail", found: "5.10.0-28-amd64", required: "≥ 5.13" });
    expect(kernel.hint).toMatch(/upgrade the kernel to 5.13/);
  });

  it("Landlock built in but not enabled fails with the boot parameter to set", () => {
    const landlock = byId(sandboxHostChecks({ ...healthyHost, landlock: { status: "disabled", source: "test" } }), "landlock")!;
    expect(landlock.status).toBe("fail");
    expect(landlock.hint).toMatch(/lsm=/);
  });

  it("Landlock that could not be probed is a warning, not a pass", () => {
    expect(byId(sandboxHostChecks({ ...healthyHost, landlock: { status: "unknown", source: "none" } }), "landlock")!.status).toBe("warn");
  });

  it("libseccomp 2.4 or absent fails with the package to install", () => {
    for (const libseccomp of ["2.4.4", undefined]) {
      const check = byId(sandboxHostChecks({ ...healthyHost, libseccomp }), "libseccomp")!;
      expect(check.status).toBe("fail");
      expect(check.hint).toMatch(/apt-get install libseccomp2.*dnf install libseccomp/);
    }
  });

  it("glibc 2.28 fails; a non-Linux host fails the kernel check", () => {
    expect(byId(sandboxHostChecks({ ...healthyHost, glibc: "2.28" }), "glibc")!.status).toBe("fail");
    expect(byId(sandboxHostChecks({ ...healthyHost, platform: "darwin" }), "kernel")!.found).toMatch(/not Linux/);
  });
});

describe("preflight checks per stack and target", () => {
  it("checks this host's kernel only where the docker target places the sandbox here", () => {
    expect(byId(checks({ strategy: "sandbox-only" }), "kernel")).toBeDefined();
    expect(byId(checks({ strategy: "sandbox-only", target: "aws" }), "kernel")).toBeUndefined();
    expect(byId(checks({ strategy: "agent-only" }), "kernel")).toBeUndefined();
  });

  it("fails the docker target when the engine does not answer", () => {
    const docker = byId(checks({ strategy: "agent-only" }, { docker: { found: false, detail: "Cannot connect to the Docker daemon" } }), "docker")!;
    expect(docker).toMatchObject({ status: "fail", found: "Cannot connect to the Docker daemon" });
    expect(docker.hint).toMatch(/apt-get install docker.io/);
  });

  it("fails kubernetes without a current context and aws without credentials", () => {
    expect(byId(checks({ strategy: "agent-only", target: "kubernetes" }, { kubectl: { found: true } }), "kubectl")!.status).toBe("fail");
    expect(byId(checks({ strategy: "agent-only", target: "aws" }, { aws: { credentials: false } }), "aws-credentials")!.hint).toMatch(/aws configure/);
  });

  it("warns, with the way forward, when the Pulumi CLI is not installed", () => {
    const pulumi = byId(checks({ strategy: "agent-only" }, { pulumi: { found: false } }), "pulumi")!;
    expect(pulumi.status).toBe("warn");
    expect(pulumi.hint).toMatch(/npx pulumi/);
  });

  it("fails Node.js older than 20", () => {
    expect(byId(checks({ strategy: "agent-only" }, { node: "18.19.0" }), "node")!.status).toBe("fail");
  });

  it("checks the database and cache images the docker target will run", () => {
    const list = checks({ strategy: "panel-clis", images: { postgres: "postgres:13", redis: "redis:7.2" } });
    expect(byId(list, "postgres-image")).toMatchObject({ status: "fail", found: "postgres:13", required: "≥ 14" });
    expect(byId(list, "redis-image")!.status).toBe("ok");
    expect(byId(checks({ strategy: "panel-clis", images: { postgres: "postgres:latest" } }), "postgres-image")!.status).toBe("warn");
  });

  it("checks services the config points at: PostgreSQL, Redis and the Control Panel", () => {
    const list = checks({ strategy: "panel-clis" }, {}, {
      postgres: { url: "postgres://db/iron", version: "13.9" },
      redis: { url: "redis://cache", version: "5.0.14" },
      controlPanel: { url: "https://panel", healthy: false, error: "ECONNREFUSED" },
    });
    expect(byId(list, "postgresql")).toMatchObject({ status: "fail", found: "13.9 at postgres://db/iron" });
    expect(byId(list, "redis")!.status).toBe("fail");
    expect(byId(list, "control-panel")).toMatchObject({ status: "fail", found: "https://panel: ECONNREFUSED" });
  });

  it("fails the config and dependency checks, naming the CLI → Control Panel dependency", () => {
    const list = checks({ strategy: "panel-clis", exclude: ["control-panel"] });
    expect(byId(list, "config")!.status).toBe("ok");
    expect(byId(list, "dependencies")).toMatchObject({ status: "fail" });
    expect(byId(list, "dependencies")!.found).toContain("CLI Tool → Control Panel (required)");
  });

  it("stops at the config check when the config is invalid", () => {
    const list = checks({ strategy: "everything" });
    expect(list.map((c) => [c.id, c.status])).toEqual([["config", "fail"], ["dependencies", "fail"]]);
    expect(list[0]!.found).toContain('iron:strategy: "everything" is not allowed; allowed: full, agent-only, panel-clis, sandbox-only');
  });

  it("warns about an unbuilt artifact with the command that builds it", () => {
    const list = checks({ strategy: "sandbox-only" }, {}, {}, { sandbox: false });
    expect(byId(list, "artifact:sandbox")).toMatchObject({ status: "warn", hint: expect.stringContaining("npm run build -w services/sandbox") });
  });
});
