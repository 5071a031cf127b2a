/**
 * Preflight checks as pure functions of probed facts: what the stack needs
 * (from infra/catalog.ts and the stack config) against what was found.
 * Each check says found vs required and, when not ok, what to do about it.
 */
import { PACKAGES, requirement, type PackageId } from "../../infra/catalog.js";
import { DEFAULT_IMAGES, type ConfigReport, type IronConfig } from "../../infra/config.js";
import type { ArtifactFacts, ClusterFacts, HostFacts, ServiceFacts } from "./facts.js";
import { clusterChecks } from "./kubernetes-checks.js";
import { imageTag, satisfies } from "./versions.js";

export type Status = "ok" | "warn" | "fail";

export interface Check {
  id: string;
  title: string;
  status: Status;
  found: string;
  required: string;
  hint?: string;
}

export interface PreflightInput {
  stack: string;
  stackFile: string;
  report: ConfigReport;
  host: HostFacts;
  services: ServiceFacts;
  artifacts: ArtifactFacts;
  /** What the cluster reported (kubernetes target only). */
  cluster?: ClusterFacts;
}

export function preflightChecks(input: PreflightInput): Check[] {
  const { report } = input;
  const checks: Check[] = [configCheck(input), dependencyCheck(input)];
  if (!report.config) return checks;
  const config = report.config;
  const packages = new Set(report.packages);
  checks.push(nodeCheck(input.host), pulumiCheck(input.host), ...targetChecks(config, input.host));
  if (config.target === "kubernetes" && input.cluster) checks.push(...clusterChecks(config, packages, input.cluster));
  if (hostRunsSandbox(config, packages)) checks.push(...sandboxHostChecks(input.host));
  checks.push(...serviceChecks(config, packages, input.services));
  checks.push(...artifactChecks(report.packages, input.artifacts));
  return checks;
}

function configCheck({ stackFile, report }: PreflightInput): Check {
  if (report.problems.length === 0 && report.config) {
    const c = report.config;
    return { id: "config", title: "stack config", status: "ok", found: `${stackFile}: strategy ${c.strategy}, target ${c.target}, mode ${c.mode}`, required: "valid iron:* keys" };
  }
  return {
    id: "config", title: "stack config", status: "fail", found: report.problems.join("; "), required: "valid iron:* keys",
    hint: `edit ${stackFile}; the comments in each stack file list every key and its allowed values`,
  };
}

function dependencyCheck({ report }: PreflightInput): Check {
  const required = "every required dependency of a deployed package is in the stack or reachable (catalog matrix)";
  if (!report.config) return { id: "dependencies", title: "package dependencies", status: "fail", found: "not checked: the config is invalid", required, hint: "fix the stack config first" };
  if (report.violations.length === 0) {
    return { id: "dependencies", title: "package dependencies", status: "ok", found: `closure holds for ${report.packages.join(", ")}`, required };
  }
  return { id: "dependencies", title: "package dependencies", status: "fail", found: report.violations.join("; "), required, hint: "deploy the Control Panel in this stack or set iron:controlPanelUrl" };
}

function nodeCheck(host: HostFacts): Check {
  const node = requirement("node");
  const ok = satisfies(host.node, node.range ?? "*");
  return {
    id: "node", title: "Node.js", status: ok ? "ok" : "fail", found: host.node, required: node.display,
    hint: ok ? undefined : "install Node.js 20 or newer (https://nodejs.org or your distribution's nodejs package)",
  };
}

function pulumiCheck(host: HostFacts): Check {
  if (host.pulumi.found) return { id: "pulumi", title: "Pulumi CLI", status: "ok", found: `${host.pulumi.version ?? "found"} (${host.pulumi.detail ?? "on PATH"})`, required: "pulumi on PATH or cached" };
  return {
    id: "pulumi", title: "Pulumi CLI", status: "warn", found: "not on PATH nor under ~/.pulumi", required: "pulumi on PATH or cached",
    hint: "`npx pulumi` downloads the CLI on first use (needs internet); or install it: curl -fsSL https://get.pulumi.com | sh",
  };
}

function targetChecks(config: IronConfig, host: HostFacts): Check[] {
  switch (config.target) {
    case "docker":
      return [{
        id: "docker", title: "Docker engine", status: host.docker.found ? "ok" : "fail",
        found: host.docker.found ? `server ${host.docker.version}` : (host.docker.detail ?? "not answering"),
        required: "a Docker engine answering `docker version`",
        hint: host.docker.found ? undefined : "install Docker (apt-get install docker.io) and start it (systemctl start docker), or set DOCKER_HOST",
      }];
    case "kubernetes": {
      // iron:kubernetes.context names the context; without it the kubeconfig's current one is used.
      const context = config.kubernetes.context ?? host.kubectl.context;
      return [{
        id: "kubectl", title: "kubectl and a current context", status: host.kubectl.found && context ? "ok" : "fail",
        found: host.kubectl.found ? (context ? `context ${context}` : "kubectl found, no current context") : "kubectl not found",
        required: "kubectl on PATH with a current context",
        hint: host.kubectl.found && context ? undefined : "install kubectl and select a cluster: kubectl config use-context <name> (or set KUBECONFIG, or iron:kubernetes.context)",
      }];
    }
    case "aws":
      return [{
        id: "aws-credentials", title: "AWS credentials", status: host.aws.credentials ? "ok" : "fail",
        found: host.aws.credentials ? (host.aws.source ?? "found") : "none in env or ~/.aws",
        required: "credentials in env (AWS_ACCESS_KEY_ID…, AWS_PROFILE) or ~/.aws",
        hint: host.aws.credentials ? undefined : "run `aws configure` or `aws sso login`, or export AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      }];
  }
}

/** On the docker target the sandbox container runs on this host, so this host's kernel must carry it. */
function hostRunsSandbox(config: IronConfig, packages: Set<PackageId>): boolean {
  return config.target === "docker" && packages.has("sandbox");
}

export function sandboxHostChecks(host: HostFacts): Check[] {
  const kernel = requirement("linux-kernel");
  const libseccomp = requirement("libseccomp");
  const glibc = requirement("glibc");
  const isLinux = host.platform === "linux";
  const checks: Check[] = [];
  const kernelOk = isLinux && satisfies(host.kernel, kernel.range ?? "*");
  checks.push({
    id: "kernel", title: "Linux kernel", status: kernelOk ? "ok" : "fail",
    found: isLinux ? (host.kernel ?? "unknown") : `${host.platform} (not Linux)`, required: kernel.display,
    hint: kernelOk ? undefined : isLinux ? "upgrade the kernel to 5.13 or newer (e.g. Debian 12, Ubuntu 22.04+, Amazon Linux 2023), or use the aws target, whose sandbox nodes have one" : "the sandbox needs Linux: use a Linux Docker host or the aws target",
  });
  const landlock = host.landlock;
  checks.push({
    id: "landlock", title: "Landlock LSM", status: landlock.status === "enabled" ? "ok" : landlock.status === "unknown" ? "warn" : "fail",
    found: landlock.status === "enabled" ? `enabled, ABI ${landlock.abi} (${landlock.source})` : `${landlock.status} (${landlock.source})`,
    required: requirement("landlock").display,
    hint: landlock.status === "enabled" ? undefined
      : landlock.status === "disabled" ? "Landlock is built in but not enabled: add landlock to the lsm= kernel boot parameter (e.g. lsm=landlock,lockdown,yama,integrity,apparmor) and reboot"
      : landlock.status === "unsupported" ? "this kernel has no Landlock (needs 5.13+ with CONFIG_SECURITY_LANDLOCK=y)"
      : "could not tell: build the sandbox (npm run build -w services/sandbox) or install python3 so the probe can ask the kernel",
  });
  const seccompOk = satisfies(host.libseccomp, libseccomp.range ?? "*");
  checks.push({
    id: "libseccomp", title: "libseccomp", status: seccompOk ? "ok" : "fail", found: host.libseccomp ?? "not found", required: libseccomp.display,
    hint: seccompOk ? undefined : "install libseccomp 2.5 or newer: apt-get install libseccomp2 (Debian/Ubuntu) or dnf install libseccomp (Amazon Linux/RHEL)",
  });
  const glibcOk = satisfies(host.glibc, glibc.range ?? "*");
  checks.push({
    id: "glibc", title: "glibc", status: glibcOk ? "ok" : "fail", found: host.glibc ?? "not found (musl or non-Linux?)", required: glibc.display,
    hint: glibcOk ? undefined : "use a glibc-based distribution with glibc 2.31 or newer (Debian 11+, Ubuntu 20.04+, Amazon Linux 2023)",
  });
  return checks;
}

function serviceChecks(config: IronConfig, packages: Set<PackageId>, services: ServiceFacts): Check[] {
  const checks: Check[] = [];
  const pg = requirement("postgresql");
  const redis = requirement("redis");
  if (packages.has("control-panel") && config.mode === "production") {
    if (config.target === "docker") {
      checks.push(imageVersionCheck("postgres-image", "PostgreSQL image", config.images.postgres ?? DEFAULT_IMAGES.postgres, pg.range ?? "*", pg.display));
      checks.push(imageVersionCheck("redis-image", "Redis image", config.images.redis ?? DEFAULT_IMAGES.redis, redis.range ?? "*", redis.display));
    }
  }
  if (services.postgres) checks.push(serviceVersionCheck("postgresql", "PostgreSQL server", services.postgres, pg.range ?? "*", pg.display, "upgrade PostgreSQL to 14 or newer, or point --database-url at one"));
  if (services.redis) checks.push(serviceVersionCheck("redis", "Redis server", services.redis, redis.range ?? "*", redis.display, "upgrade Redis to 6.0 or newer, or point --redis-url at one"));
  if (services.controlPanel) {
    const panel = services.controlPanel;
    checks.push({
      id: "control-panel", title: "Control Panel", status: panel.healthy ? "ok" : "fail",
      found: panel.healthy ? `${panel.url}/healthz answered${panel.version ? ` (version ${panel.version})` : ""}` : `${panel.url}: ${panel.error ?? "not healthy"}`,
      required: "GET /healthz answers 2xx",
      hint: panel.healthy ? undefined : "start the Control Panel or fix iron:controlPanelUrl in the stack file",
    });
  }
  return checks;
}

function imageVersionCheck(id: string, title: string, image: string, range: string, display: string): Check {
  const tag = imageTag(image);
  const ok = tag !== undefined && tag !== "latest" && satisfies(tag, range);
  return {
    id, title, status: ok ? "ok" : tag === undefined || tag === "latest" ? "warn" : "fail", found: image, required: display,
    hint: ok ? undefined : `pin a version tag that is ${display} in iron:images (e.g. ${id.startsWith("postgres") ? "postgres:16" : "redis:7"})`,
  };
}

function serviceVersionCheck(id: string, title: string, fact: { url: string; version?: string; error?: string }, range: string, display: string, hint: string): Check {
  if (fact.error || !fact.version) return { id, title, status: "fail", found: `${fact.url}: ${fact.error ?? "no version reported"}`, required: display, hint: `make ${fact.url} reachable from this host, or fix the URL` };
  const ok = satisfies(fact.version, range);
  return { id, title, status: ok ? "ok" : "fail", found: `${fact.version} at ${fact.url}`, required: display, hint: ok ? undefined : hint };
}

function artifactChecks(packages: PackageId[], artifacts: ArtifactFacts): Check[] {
  return packages.map((id) => {
    const pkg = PACKAGES[id];
    if (!pkg.artifact) {
      return { id: `artifact:${id}`, title: `${pkg.name} artifact`, status: "warn", found: `${pkg.source} is not part of this kit yet`, required: "built artifact", hint: `the ${pkg.name} is not deployed until ${pkg.source} exists; other packages are unaffected` };
    }
    const built = artifacts[id] === true;
    return {
      id: `artifact:${id}`, title: `${pkg.name} artifact`, status: built ? "ok" : "warn",
      found: built ? pkg.artifact.path : `${pkg.artifact.path} missing`, required: "built artifact",
      hint: built ? undefined : `build it: ${pkg.artifact.build} (or npm run build for all)`,
    };
  });
}

export function summarize(checks: Check[]): Record<Status, number> {
  return {
    ok: checks.filter((c) => c.status === "ok").length,
    warn: checks.filter((c) => c.status === "warn").length,
    fail: checks.filter((c) => c.status === "fail").length,
  };
}
