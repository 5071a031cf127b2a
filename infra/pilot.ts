/**
 * `iron:mode: pilot`: the whole platform as the single-process artifact `npm run pilot` runs — embedded
 * PostgreSQL, Control Panel, Agent Runtime proxy and Marketing Site — in one container on one host,
 * its data on a volume. Only the docker target can carry it (one host, no managed database).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DEFAULT_IMAGES, type ResolvedConfig } from "./config.js";
import type { ImageSource, Service, Target } from "./targets/target.js";

export const PILOT_PORTS = { panel: 3000, runtime: 8787, site: 8080 } as const;
const PILOT_DATA_DIR = "/var/lib/iron-pilot";

export interface PilotDeployment {
  service: Service;
  controlPanelUrl: pulumi.Output<string>;
  runtimeUrl: pulumi.Output<string>;
  siteUrl: pulumi.Output<string>;
  downloadsUrl: pulumi.Output<string>;
  adminPassword: pulumi.Output<string>;
}

export function deployPilot(config: ResolvedConfig, target: Target, parent: pulumi.Resource): PilotDeployment {
  if (target.name !== "docker") {
    throw new pulumi.RunError(`iron:mode: pilot runs on one host through the docker target, not ${target.name}; set iron:target to docker or iron:mode to production`);
  }
  const image: ImageSource = config.images.pilot
    ? { kind: "ref", ref: config.images.pilot }
    : { kind: "build", repository: "pilot", context: ".", dockerfile: "scripts/pilot/Dockerfile", args: { BASE_IMAGE: config.images.base ?? DEFAULT_IMAGES.base } };
  const admin = new random.RandomPassword("pilot-admin-password", { length: 24, special: false }, { parent });
  const service = target.service({
    name: "pilot",
    package: "control-panel",
    image,
    // The site's links and the tokens' panel_url: the address the panel is published on.
    env: { IRON_ADMIN_EMAIL: config.adminEmail, IRON_PILOT_PUBLIC_URL: config.domain ? `https://${config.domain}` : `http://${publicHost(config.publishAddress)}:${PILOT_PORTS.panel}` },
    secretEnv: {
      IRON_ADMIN_PASSWORD: admin.result,
      ...(config.openaiApiKey ? { OPENAI_API_KEY: secret(config.openaiApiKey) } : {}),
      ...(config.anthropicApiKey ? { ANTHROPIC_API_KEY: secret(config.anthropicApiKey) } : {}),
    },
    port: PILOT_PORTS.panel,
    extraPorts: [PILOT_PORTS.runtime, PILOT_PORTS.site],
    healthPath: "/readyz",
    public: true,
    dependsOn: [],
    dataPath: PILOT_DATA_DIR,
  });
  const on = (port: number) => service.url.apply((url) => url.replace(/:\d+$/, `:${port}`));
  const siteUrl = on(PILOT_PORTS.site);
  return {
    service,
    controlPanelUrl: service.url,
    runtimeUrl: on(PILOT_PORTS.runtime),
    siteUrl,
    downloadsUrl: siteUrl.apply((url) => `${url}/downloads/`),
    adminPassword: admin.result,
  };
}

function publicHost(address: string): string {
  return address === "0.0.0.0" ? "localhost" : address;
}

function secret(value: string | { secure: string }): pulumi.Output<string> {
  return pulumi.secret(typeof value === "string" ? value : value.secure);
}
