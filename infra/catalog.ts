/**
 * THE source of truth for what the kit deploys: the six packages of
 * shared/spec/package_dependencies.md, every cell of its dependency matrix,
 * external requirements per mode with minimum versions, ports, the four
 * strategies and the install order. Infra, scripts/verify-deps.ts and the tests
 * import this; nothing else restates it.
 */

export const PACKAGE_IDS = ["control-panel", "marketing-site", "agent-runtime", "sandbox", "cli", "cli-py"] as const;
export type PackageId = (typeof PACKAGE_IDS)[number];

export const MODES = ["production", "pilot"] as const;
export type Mode = (typeof MODES)[number];

export interface Port {
  name: string;
  port: number;
  protocol: "http" | "https" | "tcp";
  direction: "inbound" | "outbound";
}

export interface PackageSpec {
  id: PackageId;
  /** The name the spec uses. */
  name: string;
  /** What the package ships (the artifact operators install). */
  ships: string;
  /** Where this repository builds it from. */
  source: string;
  /** A file that exists once the artifact is built, relative to the repo root, and the command that builds it. */
  artifact: { path: string; build: string } | null;
  /** Ports the package listens on (inbound) or needs to reach (outbound). */
  ports: Port[];
}

/** The packages shipped as files under the site's /downloads/ (one downloads directory serves them all). */
export const DOWNLOADED_PACKAGES: readonly PackageId[] = ["cli", "cli-py"];

export const PACKAGES: Record<PackageId, PackageSpec> = {
  "control-panel": {
    id: "control-panel",
    name: "Control Panel",
    ships: "web application and REST API (container image: fastify + PostgreSQL, optional Redis)",
    source: "services/control-panel",
    artifact: { path: "services/control-panel/dist/main.js", build: "npm run build -w services/control-panel" },
    ports: [
      { name: "api", port: 3000, protocol: "http", direction: "inbound" },
      { name: "https", port: 443, protocol: "https", direction: "inbound" },
      { name: "postgresql", port: 5432, protocol: "tcp", direction: "outbound" },
      { name: "redis", port: 6379, protocol: "tcp", direction: "outbound" },
    ],
  },
  "marketing-site": {
    id: "marketing-site",
    name: "Marketing Site",
    ships: "static files (HTML/CSS/JS) for any static hosting",
    source: "services/marketing-site",
    artifact: { path: "services/marketing-site/dist/index.html", build: "npm run build -w services/marketing-site" },
    ports: [{ name: "http", port: 80, protocol: "http", direction: "inbound" }],
  },
  "agent-runtime": {
    id: "agent-runtime",
    name: "Agent Runtime",
    ships: "SDK (npm package) and LLM proxy daemon (container image)",
    source: "services/agent-runtime",
    artifact: { path: "services/agent-runtime/dist/cli.js", build: "npm run build -w services/agent-runtime" },
    ports: [
      { name: "proxy", port: 8787, protocol: "http", direction: "inbound" },
      { name: "llm-apis", port: 443, protocol: "https", direction: "outbound" },
    ],
  },
  sandbox: {
    id: "sandbox",
    name: "Sandbox",
    ships: "native Landlock + seccomp launcher with a TypeScript wrapper (tarball) and the node bootstrap script",
    source: "services/sandbox",
    artifact: { path: "services/sandbox/iron-sandbox", build: "npm run build -w services/sandbox" },
    ports: [],
  },
  cli: {
    id: "cli",
    name: "CLI Tool",
    ships: "single executable `iron` (Node SEA) and npm tarball",
    source: "services/cli",
    // Both CLIs are deployed as the files in dist/downloads (see infra/artifacts.ts), assembled from each one's build.
    artifact: { path: "dist/downloads/SHA256SUMS", build: "npm run build:artifacts" },
    ports: [{ name: "control-panel-api", port: 443, protocol: "https", direction: "outbound" }],
  },
  "cli-py": {
    id: "cli-py",
    name: "Python CLI",
    ships: "Python wheel `iron-cli-py`",
    source: "services/cli-py",
    // Both CLIs are deployed as the files in dist/downloads (see infra/artifacts.ts), assembled from each one's build.
    artifact: { path: "dist/downloads/SHA256SUMS", build: "npm run build:artifacts" },
    ports: [{ name: "control-panel-api", port: 443, protocol: "https", direction: "outbound" }],
  },
};

export type Dependency = "required" | "optional" | "none";

/**
 * The spec's 6×6 matrix, row = the package that depends, column = what it depends on.
 * Only non-empty cells are listed; `dependency()` answers every cell.
 */
const DEPENDS_ON: Record<PackageId, Partial<Record<PackageId, Exclude<Dependency, "none">>>> = {
  "control-panel": {},
  "marketing-site": {},
  "agent-runtime": { "control-panel": "optional" },
  sandbox: {},
  cli: { "control-panel": "required" },
  "cli-py": { "control-panel": "required" },
};

/** Why each non-empty cell exists, in the spec's words. */
export const DEPENDENCY_REASONS: Partial<Record<`${PackageId}->${PackageId}`, string>> = {
  "cli->control-panel": "the CLI Tool calls the Control Panel REST API for token generation (POST /api/tokens)",
  "cli-py->control-panel": "the Python CLI calls the Control Panel REST API for token generation (POST /api/tokens)",
  "agent-runtime->control-panel": "the Agent Runtime can report telemetry to the Control Panel API (POST /api/telemetry)",
};

export function dependency(from: PackageId, to: PackageId): Dependency {
  return DEPENDS_ON[from][to] ?? "none";
}

export function dependenciesOf(from: PackageId): { on: PackageId; kind: Exclude<Dependency, "none"> }[] {
  return PACKAGE_IDS.flatMap((to) => {
    const kind = dependency(from, to);
    return kind === "none" ? [] : [{ on: to, kind }];
  });
}

/** Packages that depend on nothing (the spec counts four: the Agent Runtime only optionally). */
export function independentPackages(): PackageId[] {
  return PACKAGE_IDS.filter((id) => dependenciesOf(id).every((d) => d.kind !== "required"));
}

export function dependentPackages(): PackageId[] {
  return PACKAGE_IDS.filter((id) => dependenciesOf(id).some((d) => d.kind === "required"));
}

// ---------------------------------------------------------------------------
// External requirements

export type RequirementId =
  | "postgresql" | "redis" | "sqlite" | "linux-kernel" | "landlock" | "libseccomp" | "glibc"
  | "python" | "node" | "static-hosting" | "llm-api-keys" | "docker";

export interface Requirement {
  id: RequirementId;
  /** Human name, e.g. "PostgreSQL". */
  name: string;
  /** Semver range the found version must satisfy (absent: presence is what counts). */
  range?: string;
  /** How the range reads to people, e.g. "≥ 14". */
  display: string;
  optional?: boolean;
  note?: string;
}

const req = {
  postgresql: { id: "postgresql", name: "PostgreSQL", range: ">=14.0.0", display: "≥ 14" },
  redis: { id: "redis", name: "Redis", range: ">=6.0.0", display: "≥ 6.0", optional: true, note: "session management and shared rate limits" },
  sqlite: { id: "sqlite", name: "SQLite", range: ">=3.35.0", display: "≥ 3.35" },
  kernel: { id: "linux-kernel", name: "Linux kernel", range: ">=5.13.0", display: "≥ 5.13", note: "Landlock LSM" },
  landlock: { id: "landlock", name: "Landlock LSM", display: "enabled (ABI ≥ 1)" },
  libseccomp: { id: "libseccomp", name: "libseccomp", range: ">=2.5.0", display: "≥ 2.5.0", note: "seccomp-bpf filtering" },
  glibc: { id: "glibc", name: "glibc", range: ">=2.31.0", display: "≥ 2.31", note: "Linux only" },
  python: { id: "python", name: "Python", range: ">=3.8.0 <3.13.0", display: "3.8 – 3.12" },
  node: { id: "node", name: "Node.js", range: ">=20.0.0", display: "≥ 20" },
  staticHosting: { id: "static-hosting", name: "static web server", display: "nginx, Apache, S3 + CloudFront or any static host" },
  llmKeys: { id: "llm-api-keys", name: "LLM provider API keys", display: "OpenAI, Anthropic or another provider" },
  docker: { id: "docker", name: "Docker engine", display: "any current engine", note: "the Control Panel runs as a container" },
} satisfies Record<string, Requirement>;

/**
 * External runtime requirements per package and mode, from the spec. Where the
 * spec describes a Python implementation of a package this kit builds in
 * TypeScript (the Agent Runtime), Node.js ≥ 20 replaces Python.
 */
export const REQUIREMENTS: Record<PackageId, Record<Mode, Requirement[]>> = {
  "control-panel": {
    pilot: [req.sqlite, req.glibc, req.node],
    production: [req.postgresql, req.redis, req.glibc, req.docker],
  },
  "marketing-site": { pilot: [req.staticHosting], production: [req.staticHosting] },
  "agent-runtime": {
    pilot: [req.node, req.llmKeys, req.sqlite],
    production: [req.node, req.llmKeys, req.sqlite, req.glibc],
  },
  sandbox: {
    pilot: [req.kernel, req.landlock, req.libseccomp],
    production: [req.kernel, req.landlock, req.libseccomp],
  },
  cli: { pilot: [req.glibc], production: [req.glibc] },
  "cli-py": { pilot: [req.python], production: [req.python] },
};

export function requirement(id: RequirementId): Requirement {
  const found = Object.values(req).find((r) => r.id === id);
  if (!found) throw new Error(`unknown requirement ${id}`);
  return found;
}

// ---------------------------------------------------------------------------
// Strategies

export const STRATEGY_IDS = ["full", "agent-only", "panel-clis", "sandbox-only"] as const;
export type StrategyId = (typeof STRATEGY_IDS)[number];

export interface Strategy {
  id: StrategyId;
  /** The Pulumi stack that ships this strategy: stacks/Pulumi.<stack>.yaml. */
  stack: string;
  title: string;
  description: string;
  packages: PackageId[];
  /** Packages the operator may add (`iron:marketingSite: true`). */
  optional: PackageId[];
}

export const STRATEGIES: Record<StrategyId, Strategy> = {
  full: {
    id: "full",
    stack: "full-platform",
    title: "Full Platform",
    description: "all six packages for the complete platform experience",
    packages: [...PACKAGE_IDS],
    optional: [],
  },
  "agent-only": {
    id: "agent-only",
    stack: "agent-only",
    title: "Agent-Only",
    description: "only the Agent Runtime; no Control Panel when telemetry is off",
    packages: ["agent-runtime"],
    optional: [],
  },
  "panel-clis": {
    id: "panel-clis",
    stack: "panel-clis",
    title: "Control Panel + CLIs",
    description: "the Control Panel and both CLIs for token management; the Marketing Site if asked",
    packages: ["control-panel", "cli", "cli-py"],
    optional: ["marketing-site"],
  },
  "sandbox-only": {
    id: "sandbox-only",
    stack: "sandbox-only",
    title: "Sandbox-Only",
    description: "only the Sandbox, for general OS sandboxing on Linux nodes",
    packages: ["sandbox"],
    optional: [],
  },
};

export const STACK_NAMES = STRATEGY_IDS.map((id) => STRATEGIES[id].stack);

export function strategyForStack(stack: string): Strategy | undefined {
  return Object.values(STRATEGIES).find((s) => s.stack === stack);
}

// ---------------------------------------------------------------------------
// Install order

/**
 * The spec's order for independent packages ("Control Panel → Marketing Site →
 * Agent Runtime → CLI tools"), used only to break ties between packages the
 * dependency graph leaves unordered. The Sandbox, absent from that sentence,
 * stands before the CLIs since nothing depends on it.
 */
const SPEC_RANK: Record<PackageId, number> = {
  "control-panel": 0, "marketing-site": 1, "agent-runtime": 2, sandbox: 3, cli: 4, "cli-py": 5,
};

/**
 * Topological sort (Kahn) of `packages` over the matrix: a package comes after
 * every package it depends on, required or optional, that is also deployed.
 */
export function installOrder(packages: readonly PackageId[] = PACKAGE_IDS): PackageId[] {
  const set = new Set(packages);
  const pending = new Map<PackageId, Set<PackageId>>();
  for (const id of set) pending.set(id, new Set(dependenciesOf(id).map((d) => d.on).filter((on) => set.has(on))));
  const order: PackageId[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([id]) => id);
    if (ready.length === 0) throw new Error(`dependency cycle among ${[...pending.keys()].join(", ")}`);
    ready.sort((a, b) => SPEC_RANK[a] - SPEC_RANK[b]);
    const next = ready[0]!;
    order.push(next);
    pending.delete(next);
    for (const deps of pending.values()) deps.delete(next);
  }
  return order;
}

// ---------------------------------------------------------------------------
// Validation of a deployment against the matrix

export interface DeploymentIntent {
  packages: readonly PackageId[];
  /** `iron:controlPanelUrl`: a Control Panel outside this stack. */
  controlPanelUrl?: string;
  /** `iron:telemetry`: undefined means "on when a panel is reachable". */
  telemetry?: boolean;
}

export interface Violation {
  package: PackageId;
  dependsOn: PackageId;
  kind: Exclude<Dependency, "none">;
  message: string;
}

/** Every dependency the intended deployment leaves unsatisfied, each with what to change. */
export function validateDeployment(intent: DeploymentIntent): Violation[] {
  const deployed = new Set(intent.packages);
  const violations: Violation[] = [];
  for (const id of intent.packages) {
    for (const { on, kind } of dependenciesOf(id)) {
      if (deployed.has(on)) continue;
      if (on === "control-panel" && intent.controlPanelUrl) continue;
      const reason = DEPENDENCY_REASONS[`${id}->${on}`] ?? "";
      const from = PACKAGES[id].name;
      const to = PACKAGES[on].name;
      if (kind === "required") {
        violations.push({
          package: id, dependsOn: on, kind,
          message: `${from} → ${to} (required): ${reason}; add ${on} to the stack or set iron:controlPanelUrl to a running Control Panel`,
        });
      } else if (id === "agent-runtime" && intent.telemetry === true) {
        violations.push({
          package: id, dependsOn: on, kind,
          message: `${from} → ${to} (optional, but iron:telemetry is true): ${reason}; set iron:controlPanelUrl, deploy the Control Panel, or set iron:telemetry to false`,
        });
      }
    }
  }
  return violations;
}
