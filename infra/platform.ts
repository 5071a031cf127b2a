/**
 * The Platform component: from the validated config it takes the strategy's
 * packages in install order (infra/catalog.ts), asks the target for building
 * blocks, and wires them together. It knows packages and order, never a cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ARTIFACTS } from "./artifacts.js";
import { DOWNLOADED_PACKAGES, PACKAGES, requirement, type PackageId } from "./catalog.js";
import { stackAgentToken } from "./agent-token.js";
import { DEFAULT_IMAGES, signsOwnAgentToken, type ResolvedConfig } from "./config.js";
import { deployPilot } from "./pilot.js";
import { createTarget } from "./targets/index.js";
import type { ImageSource, Service, StaticSite, Target, TargetContext } from "./targets/target.js";

export interface PlatformArgs {
  config: ResolvedConfig;
  /** Absolute path of the repository root (build contexts and artifact paths are relative to it). */
  root: string;
  /** Building blocks; defaults to the one `config.target` names. */
  target?: (ctx: TargetContext) => Target;
}

export { ARTIFACTS };

const CONTROL_PANEL_PORT = 3000;
const RUNTIME_PORT = 8787;
/** The runtime's ledger and telemetry queue: on a volume, so a restart loses nothing. */
const RUNTIME_STATE_DIR = "/var/lib/iron-runtime";

export class Platform extends pulumi.ComponentResource {
  readonly controlPanelUrl: pulumi.Output<string | undefined>;
  readonly siteUrl: pulumi.Output<string | undefined>;
  readonly downloadsUrl: pulumi.Output<string | undefined>;
  readonly runtimeUrl: pulumi.Output<string | undefined>;
  readonly sandboxNodes: pulumi.Output<string[]>;
  readonly adminEmail: pulumi.Output<string | undefined>;
  readonly adminPassword: pulumi.Output<string | undefined>;

  constructor(name: string, args: PlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("iron:platform:Platform", name, {}, opts);
    const { config, root } = args;
    const target = (args.target ?? createTarget)({ config, root, parent: this });
    if (config.mode === "pilot") {
      // One process on one host runs every package (infra/pilot.ts).
      const pilot = deployPilot(config, target, this);
      this.controlPanelUrl = pilot.controlPanelUrl;
      this.siteUrl = pilot.siteUrl;
      this.downloadsUrl = pilot.downloadsUrl;
      this.runtimeUrl = pilot.runtimeUrl;
      this.sandboxNodes = pulumi.output([]);
      this.adminEmail = pulumi.output(config.adminEmail);
      this.adminPassword = pulumi.secret(pilot.adminPassword);
      this.registerOutputs({
        controlPanelUrl: this.controlPanelUrl, siteUrl: this.siteUrl, downloadsUrl: this.downloadsUrl,
        runtimeUrl: this.runtimeUrl, sandboxNodes: this.sandboxNodes, adminEmail: this.adminEmail, adminPassword: this.adminPassword,
      });
      return;
    }
    const deployed = new Set<PackageId>(config.installOrder);
    const publishesDownloads = DOWNLOADED_PACKAGES.some((id) => deployed.has(id));
    const image = (key: "controlPanel" | "agentRuntime" | "sandbox", repository: string, dir: string): ImageSource => {
      const ref = config.images[key];
      if (ref) return { kind: "ref", ref };
      return { kind: "build", repository, context: ".", dockerfile: `${dir}/Dockerfile`, args: { BASE_IMAGE: config.images.base ?? DEFAULT_IMAGES.base } };
    };

    let panel: Service | undefined;
    let site: StaticSite | undefined;
    let runtime: Service | undefined;
    let sandboxSummary: pulumi.Output<string[]> = pulumi.output([]);
    let adminPassword: pulumi.Output<string> | undefined;

    for (const id of config.installOrder) {
      switch (id) {
        case "control-panel": {
          const db = target.database({ name: "control-panel", minMajor: majorOf("postgresql") });
          const cache = target.cache({ name: "control-panel", minMajor: majorOf("redis") });
          const admin = new random.RandomPassword("control-panel-admin-password", { length: 24, special: false }, { parent: this });
          const masterKey = new random.RandomPassword("control-panel-master-key", { length: 48, special: false }, { parent: this });
          adminPassword = admin.result;
          panel = target.service({
            name: "control-panel",
            package: id,
            image: image("controlPanel", "control-panel", PACKAGES[id].source),
            command: ["serve"],
            env: { PORT: String(CONTROL_PANEL_PORT), HOST: "0.0.0.0", IRON_ADMIN_EMAIL: config.adminEmail, ...(config.domain ? { IRON_PUBLIC_URL: `https://${config.domain}` } : {}) },
            secretEnv: { DATABASE_URL: db.url, REDIS_URL: cache.url, IRON_MASTER_KEY: masterKey.result, IRON_ADMIN_PASSWORD: admin.result },
            port: CONTROL_PANEL_PORT,
            healthPath: "/readyz",
            predecessor: { name: "migrate", command: ["migrate"] },
            public: true,
            dependsOn: [db.resource, cache.resource],
          });
          break;
        }
        case "marketing-site":
          site = target.staticSite({
            name: "marketing-site",
            siteDir: ARTIFACTS.siteDir,
            downloadsDir: publishesDownloads ? ARTIFACTS.downloadsDir : undefined,
            settings: this.siteSettings(config, panel),
          });
          break;
        case "agent-runtime":
          runtime = this.runtime(config, target, panel, image("agentRuntime", "agent-runtime", PACKAGES[id].source));
          break;
        case "sandbox": {
          const nodes = target.nodes({
            name: "sandbox-node",
            count: config.sandboxNodes.count,
            instanceType: config.sandboxNodes.instanceType,
            os: config.sandboxNodes.os,
            requirements: [requirement("linux-kernel"), requirement("landlock"), requirement("libseccomp")],
            bootstrap: ARTIFACTS.sandboxBootstrap,
            artifactDir: ARTIFACTS.sandboxTarballDir,
            image: image("sandbox", "sandbox", PACKAGES[id].source),
          });
          sandboxSummary = nodes.summary;
          break;
        }
        case "cli":
        case "cli-py":
          // Both CLIs are published where the site serves /downloads; without a site, on one downloads-only host.
          if (!deployed.has("marketing-site") && !site) {
            site = target.staticSite({ name: "cli-downloads", downloadsDir: ARTIFACTS.downloadsDir, settings: this.siteSettings(config, panel) });
          }
          break;
      }
    }

    this.controlPanelUrl = panel ? panel.url : pulumi.output(config.controlPanelUrl);
    this.siteUrl = site && deployed.has("marketing-site") ? site.url : pulumi.output(undefined);
    this.downloadsUrl = site ? site.downloadsUrl : pulumi.output(undefined);
    this.runtimeUrl = runtime ? runtime.url : pulumi.output(undefined);
    this.sandboxNodes = sandboxSummary;
    this.adminEmail = pulumi.output(panel ? config.adminEmail : undefined);
    this.adminPassword = pulumi.secret(adminPassword ?? pulumi.output(undefined));
    this.registerOutputs({
      controlPanelUrl: this.controlPanelUrl, siteUrl: this.siteUrl, downloadsUrl: this.downloadsUrl,
      runtimeUrl: this.runtimeUrl, sandboxNodes: this.sandboxNodes, adminEmail: this.adminEmail, adminPassword: this.adminPassword,
    });
  }

  /** The runtime's token and how it is verified; undefined while a panel in the stack has yet to issue one. */
  private runtimeToken(config: ResolvedConfig, panel: Service | undefined, reportsToPanel: boolean): { token: pulumi.Output<string>; env: Record<string, pulumi.Input<string>> } | undefined {
    if (signsOwnAgentToken(config, config.packages)) {
      if (config.agentBudget === undefined) throw new pulumi.RunError("iron:agentBudget: required (checked by infra/config.ts)");
      const own = stackAgentToken("agent-runtime-token", { agentId: `${config.stack}-agent`, budgetUsd: config.agentBudget }, this);
      return { token: own.token, env: { IRON_JWKS: own.jwks } };
    }
    if (config.agentToken) {
      if (config.agentBudget !== undefined) pulumi.log.warn("iron:agentBudget is not used: the budget is the one iron:agentToken was issued with (top it up in its Control Panel)", this);
      // Without a panel the token cannot be checked against its keys; it came from this stack's own secret config.
      return { token: secretValue(config.agentToken), env: reportsToPanel ? {} : { IRON_TRUST_UNVERIFIED_TOKEN: "1" } };
    }
    const how = "issue one (iron token generate --budget <usd> --agent <name>) and run: pulumi config set --secret iron:agentToken <token>";
    if (panel) {
      pulumi.log.warn(`Agent Runtime: not deployed until iron:agentToken is set; once the Control Panel is up, ${how}, then pulumi up again`, this);
      return undefined;
    }
    throw new pulumi.RunError(`iron:agentToken: required to deploy an Agent Runtime that reports to the Control Panel at ${config.controlPanelUrl ?? "?"}; ${how} (or set iron:telemetry false: the stack then signs its own token with iron:agentBudget)`);
  }

  /** What the site reads from /settings.json at run time: where to sign in and where the downloads are. */
  private siteSettings(config: ResolvedConfig, panel: Service | undefined): Record<string, pulumi.Input<string>> {
    const panelUrl = panel?.url ?? config.controlPanelUrl;
    return {
      ...(panelUrl ? { controlPanelUrl: panelUrl, signInUrl: pulumi.interpolate`${panelUrl}/` } : {}),
      downloadsUrl: "/downloads/",
    };
  }

  /**
   * The runtime gets a panel URL only when the panel is in the stack or
   * iron:controlPanelUrl is set, and iron:telemetry is not false; otherwise its
   * telemetry stays off. Its agent token is iron:agentToken (a panel issued it)
   * or, with no panel at all, one the stack signs itself (infra/agent-token.ts).
   */
  private runtime(config: ResolvedConfig, target: Target, panel: Service | undefined, image: ImageSource): Service | undefined {
    const panelUrl = config.telemetry === false ? undefined : (panel?.internalUrl ?? config.controlPanelUrl);
    const credentials = this.runtimeToken(config, panel, panelUrl !== undefined);
    if (!credentials) return undefined;
    return target.service({
      name: "agent-runtime",
      package: "agent-runtime",
      image,
      command: ["serve", "--host", "0.0.0.0", "--port", String(RUNTIME_PORT), "--state-dir", RUNTIME_STATE_DIR],
      env: { ...(panelUrl ? { IRON_CONTROL_PANEL_URL: panelUrl } : { IRON_TELEMETRY: "off" }), ...credentials.env },
      secretEnv: {
        IRON_TOKEN: credentials.token,
        ...(config.openaiApiKey ? { OPENAI_API_KEY: secretValue(config.openaiApiKey) } : {}),
        ...(config.anthropicApiKey ? { ANTHROPIC_API_KEY: secretValue(config.anthropicApiKey) } : {}),
      },
      port: RUNTIME_PORT,
      healthPath: "/healthz",
      public: true,
      // It spends an agent's budget with the operator's provider keys: agents reach it from inside the network.
      internetFacing: false,
      dataPath: RUNTIME_STATE_DIR,
      dependsOn: panel ? [panel.resource] : [],
    });
  }
}

function majorOf(id: "postgresql" | "redis"): number {
  return Number(/(\d+)/.exec(requirement(id).range ?? "0")?.[1] ?? 0);
}

/** Config secrets arrive as plain strings from the engine (marked secret by Pulumi); keep them secret here. */
function secretValue(value: string | { secure: string }): pulumi.Output<string> {
  return pulumi.secret(typeof value === "string" ? value : value.secure);
}
