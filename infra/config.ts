/**
 * Reads and validates the stack's `iron:*` configuration. One zod schema serves
 * the Pulumi program (values from the engine) and the preflight (values read
 * from stacks/Pulumi.<stack>.yaml); every error names the stack file, the key,
 * the bad value and what is allowed.
 */
import { z } from "zod";
import {
  MODES, PACKAGE_IDS, STRATEGIES, STRATEGY_IDS, installOrder, validateDeployment,
  type Mode, type PackageId, type StrategyId, type Violation,
} from "./catalog.js";
import { kubernetesKeysAt, kubernetesSettings } from "./config-kubernetes.js";

export const TARGETS = ["docker", "kubernetes", "aws"] as const;
export type Target = (typeof TARGETS)[number];

export const SANDBOX_NODE_OS = ["al2023", "ubuntu-24.04", "debian-12"] as const;

/** How private subnets reach the internet on the aws target: no NAT (workloads in public subnets, no inbound), one, or one per zone. */
export const AWS_NAT_GATEWAYS = ["none", "single", "per-az"] as const;

/** Settings only the aws target reads (`iron:aws`); every one has a default. */
const awsSettings = z
  .strictObject({
    natGateways: z.enum(AWS_NAT_GATEWAYS).default("single"),
    postgresVersion: z.string().regex(/^\d+(\.\d+)?$/, "must be a PostgreSQL engine version such as 16 or 16.4").default("16"),
    redisVersion: z.string().regex(/^\d+\.\d+$/, "must be a Redis engine version such as 7.1").default("7.1"),
    dbInstanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class such as db.t4g.small").default("db.t4g.small"),
    cacheNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "must be an ElastiCache node type such as cache.t4g.micro").default("cache.t4g.micro"),
    /** RDS with a standby in a second zone (about twice the instance cost); set false for a throwaway stack. */
    multiAz: z.boolean().default(true),
    backupRetentionDays: z.int().min(1).max(35).default(7),
    deletionProtection: z.boolean().default(true),
    finalSnapshot: z.boolean().default(true),
    logRetentionDays: z.int().min(1).max(3653).default(30),
    /** SSH to the sandbox nodes: off unless set (Session Manager needs no key and no open port). */
    nodeSsh: z
      .strictObject({
        keyName: z.string().min(1, "must name an EC2 key pair"),
        cidr: z.cidrv4({ error: "must be an IPv4 CIDR such as 203.0.113.0/24 (the addresses SSH is allowed from)" }),
      })
      .optional(),
  })
  .prefault({});
export const AWS_KEYS = Object.keys(awsSettings.unwrap().shape);

/** Images the targets run when `iron:images` does not override them. */
export const DEFAULT_IMAGES = { postgres: "postgres:16", redis: "redis:7", nginx: "nginx:1.27", base: "node:20-bookworm-slim" } as const;

/** Images a target pulls or builds; each may be overridden for private registries or air-gapped hosts. */
export const IMAGE_KEYS = ["controlPanel", "agentRuntime", "sandbox", "pilot", "postgres", "redis", "nginx", "base"] as const;
export type ImageKey = (typeof IMAGE_KEYS)[number];

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });
const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, "must be a DNS name such as iron.example.com");
const imageRef = z.string().regex(/^[a-z0-9][a-z0-9._\-/:@]*$/i, "must be an image reference such as registry.example.com/iron/control-panel:1.2.3");

/** A value that may be a Pulumi secret: plain in the engine, `{ secure: … }` in a stack file. */
const secretString = z.union([z.string().min(1), z.strictObject({ secure: z.string() })], { error: "must be a string (set it with `pulumi config set --secret`)" });

/** Aliases operators are likely to type for a strategy id. */
const STRATEGY_ALIASES: Record<string, StrategyId> = { "full-platform": "full" };

const schema = z
  .object({
    strategy: z.preprocess((v) => (typeof v === "string" ? (STRATEGY_ALIASES[v] ?? v) : v), z.enum(STRATEGY_IDS)),
    target: z.enum(TARGETS).default("docker"),
    mode: z.enum(MODES).default("production"),
    controlPanelUrl: httpUrl.optional(),
    telemetry: z.boolean().optional(),
    marketingSite: z.boolean().optional(),
    exclude: z.array(z.enum(PACKAGE_IDS)).default([]),
    images: z.strictObject(Object.fromEntries(IMAGE_KEYS.map((k) => [k, imageRef.optional()])) as Record<ImageKey, z.ZodOptional<typeof imageRef>>).default({}),
    sandboxNodes: z
      .strictObject({
        count: z.int().min(1).max(100).default(1),
        instanceType: z.string().regex(/^[a-z0-9]+[a-z0-9.-]*$/, "must be an instance type such as t3.small").default("t3.small"),
        os: z.enum(SANDBOX_NODE_OS).default("al2023"),
      })
      .default({ count: 1, instanceType: "t3.small", os: "al2023" }),
    domain: hostname.optional(),
    aws: awsSettings,
    kubernetes: kubernetesSettings,
    publishAddress: z.ipv4({ error: "must be an IPv4 address such as 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)" }).default("127.0.0.1"),
    adminEmail: z.email({ error: "must be an e-mail address" }).default("admin@iron.local"),
    agentToken: secretString.optional(),
    /** USD. Without a Control Panel the stack signs the runtime's token itself, with this budget (infra/agent-token.ts). */
    agentBudget: z.number({ error: "must be a number of US dollars such as 10 or 0.5" }).min(0.000001).max(1_000_000).optional(),
    openaiApiKey: secretString.optional(),
    anthropicApiKey: secretString.optional(),
  })
  .strict();

export type IronConfig = z.output<typeof schema>;

export interface ResolvedConfig extends IronConfig {
  stack: string;
  /** The packages this stack deploys, in install order. */
  packages: PackageId[];
  installOrder: PackageId[];
}

/** Keys whose values are secrets (set with `pulumi config set --secret`; never printed). */
export const SECRET_CONFIG_KEYS = ["agentToken", "openaiApiKey", "anthropicApiKey"] as const;

/** Every key the schema knows, for messages and for the stack file comments. */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof IronConfig)[];

export class ConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: string[],
  ) {
    super(`${stackFile(stackName)} has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function stackFile(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

export interface ConfigReport {
  /** The parsed config, when the values themselves are valid. */
  config?: IronConfig;
  /** The packages the config selects, in install order (empty when the config is invalid). */
  packages: PackageId[];
  /** Invalid keys and values. */
  problems: string[];
  /** Dependencies of the selected packages that the stack leaves unsatisfied. */
  violations: string[];
}

/** Validates raw `iron:*` values (keys without the `iron:` prefix) and reports every problem; never throws. */
export function checkConfig(raw: Record<string, unknown>): ConfigReport {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { packages: [], problems: parsed.error.issues.map((issue) => describeIssue(issue, raw)), violations: [] };
  const config = parsed.data;
  const problems: string[] = [];
  const strategy = STRATEGIES[config.strategy];

  if (config.marketingSite !== undefined && !strategy.optional.includes("marketing-site") && !strategy.packages.includes("marketing-site")) {
    problems.push(`iron:marketingSite: applies only to the strategies full and panel-clis, not ${config.strategy}; remove the key`);
  }
  for (const id of config.exclude) {
    if (!strategy.packages.includes(id)) problems.push(`iron:exclude: "${id}" is not deployed by strategy ${config.strategy} (it deploys ${strategy.packages.join(", ")})`);
  }
  if (config.strategy === "sandbox-only" && config.mode === "pilot") {
    problems.push(`iron:mode: "pilot" runs the Control Panel and Agent Runtime in one process; strategy sandbox-only has neither. Use mode production`);
  }

  const packages = installOrder(selectPackages(config));
  problems.push(...agentBudgetProblems(config, packages));
  const violations = validateDeployment({ packages, controlPanelUrl: config.controlPanelUrl, telemetry: config.telemetry })
    .map((v) => describeViolation(v, config.exclude));
  return { config, packages, problems, violations };
}

/**
 * Validates raw `iron:*` values for `stack`. Throws ConfigError listing every
 * problem, or returns the resolved config with the packages and install order
 * the catalog derives from it.
 */
export function resolveConfig(stack: string, raw: Record<string, unknown>): ResolvedConfig {
  const report = checkConfig(raw);
  const problems = [...report.problems, ...report.violations];
  if (!report.config || problems.length > 0) throw new ConfigError(stack, problems);
  return { ...report.config, stack, packages: report.packages, installOrder: report.packages };
}

/** Whether the stack signs the runtime's token itself: a runtime, no panel in the stack, no panel to report to, no token given. */
export function signsOwnAgentToken(config: IronConfig, packages: readonly PackageId[]): boolean {
  if (!packages.includes("agent-runtime") || packages.includes("control-panel") || config.agentToken) return false;
  return !config.controlPanelUrl || config.telemetry === false;
}

function agentBudgetProblems(config: IronConfig, packages: PackageId[]): string[] {
  if (packages.includes("control-panel") && config.agentBudget !== undefined) {
    return ["iron:agentBudget: applies only to a runtime without a Control Panel in the stack (the panel issues its token: iron token generate --budget <usd>); remove the key"];
  }
  if (signsOwnAgentToken(config, packages) && config.agentBudget === undefined) {
    return ["iron:agentBudget: required but not set; allowed: a number of US dollars such as 10 (the stack signs the Agent Runtime's token with this budget), or set iron:agentToken to a token a Control Panel issued"];
  }
  return [];
}

function selectPackages(config: IronConfig): PackageId[] {
  const strategy = STRATEGIES[config.strategy];
  const chosen = new Set<PackageId>(strategy.packages);
  if (config.marketingSite === true) chosen.add("marketing-site");
  if (config.marketingSite === false) chosen.delete("marketing-site");
  for (const id of config.exclude) chosen.delete(id);
  return [...chosen];
}

export function describeViolation(v: Violation, excluded: readonly PackageId[] = []): string {
  const hint = excluded.includes(v.dependsOn) ? ` (${v.dependsOn} is in iron:exclude: remove it from there)` : "";
  return `dependency violated: ${v.message}${hint}`;
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = `iron:${issue.path.map(String).join(".")}`;
  const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
  if (value === undefined && (issue.code === "invalid_value" || issue.code === "invalid_type")) {
    return `${key}: required but not set; allowed: ${allowedFor(issue.path.map(String))}`;
  }
  switch (issue.code) {
    case "too_small":
      return `${key}: ${JSON.stringify(value)} is too small; minimum ${String(issue.minimum)}`;
    case "too_big":
      return `${key}: ${JSON.stringify(value)} is too large; maximum ${String(issue.maximum)}`;
    case "invalid_value":
      return `${key}: ${JSON.stringify(value)} is not allowed; allowed: ${issue.values.map(String).join(", ")}`;
    case "unrecognized_keys": {
      const names = issue.keys.map((k) => (issue.path.length === 0 ? `iron:${k}` : `${key}.${k}`));
      return `${names.join(", ")}: unknown key; known keys: ${knownKeysAt(issue.path.map(String)).join(", ")}`;
    }
    case "invalid_type":
      return `${key}: ${JSON.stringify(value)} is a ${typeof value}, expected ${issue.expected}`;
    default:
      return `${key}: ${JSON.stringify(value)} ${issue.message}`;
  }
}

function knownKeysAt(path: string[]): string[] {
  if (path[0] === "images") return [...IMAGE_KEYS];
  if (path[0] === "sandboxNodes") return ["count", "instanceType", "os"];
  if (path[0] === "aws") return AWS_KEYS;
  if (path[0] === "kubernetes") return kubernetesKeysAt(path);
  return [...CONFIG_KEYS];
}

function allowedFor(path: string[]): string {
  if (path[0] === "strategy") return STRATEGY_IDS.join(", ");
  return "see the comments in the stack file";
}

export type { Mode, PackageId, StrategyId };
