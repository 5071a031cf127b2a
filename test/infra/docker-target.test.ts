/** The docker target under Pulumi's mock runtime, loading the stack files we ship. */
import { describe, expect, it } from "vitest";
import { containers, envOf, failStack, find, plainOccurrences, runStack, secretFilesOf, unwrap } from "../support/pulumi-mocks.js";

const CONTAINER = "docker:index/container:Container";
const TOKEN = "eyJhbGciOiJFZERTQSJ9.mock-agent-token.sig";
const blocks = (run: Awaited<ReturnType<typeof runStack>>) => run.resources.filter((r) => r.type.startsWith("iron:docker:")).map((r) => `${r.type.slice("iron:docker:".length)}:${r.name}`).sort();

describe("full-platform on docker", async () => {
  const run = await runStack("full-platform", { agentToken: TOKEN, openaiApiKey: "sk-mock-openai-key" });

  it("creates every building block, in the spec's order of packages, and nothing else", () => {
    expect(blocks(run)).toEqual([
      "Cache:control-panel-cache", "Database:control-panel-db", "SandboxNodes:sandbox-node",
      "Service:agent-runtime", "Service:control-panel", "StaticSite:marketing-site",
    ]);
    expect(containers(run).map((c) => c.name).sort()).toEqual([
      "agent-runtime", "control-panel", "control-panel-cache", "control-panel-db", "control-panel-migrate", "marketing-site", "sandbox-node-1",
    ]);
    expect(run.outputs.installOrder).toEqual(["control-panel", "marketing-site", "agent-runtime", "sandbox", "cli", "cli-py"]);
  });

  it("points the control panel at the database and cache containers, its secrets as files", () => {
    const panel = find(run, CONTAINER, "control-panel");
    const files = secretFilesOf(panel);
    expect(Object.keys(files).sort()).toEqual(["DATABASE_URL", "IRON_ADMIN_PASSWORD", "IRON_MASTER_KEY", "REDIS_URL"]);
    expect(files.DATABASE_URL!.content).toMatch(/^postgres:\/\/control-panel:[^@]+@control-panel-db:5432\/control-panel$/);
    expect(files.REDIS_URL!.content).toMatch(/^redis:\/\/:[^@]+@control-panel-cache:6379$/);
    expect(files.IRON_MASTER_KEY!.content.length).toBeGreaterThanOrEqual(32);
    // Docker's convention: /run/secrets/<name>, readable only by the images' user (1000), secret in Pulumi's state.
    for (const [name, f] of Object.entries(files)) {
      expect(f, name).toMatchObject({ file: `/run/secrets/${name.toLowerCase()}`, owner: "1000", group: "1000", permissions: "0400", secret: true });
    }
    const env = envOf(panel);
    expect(env).toMatchObject({ IRON_ADMIN_EMAIL: "admin@iron.local", DATABASE_URL_FILE: "/run/secrets/database_url" });
    expect(env.DATABASE_URL).toBeUndefined();

    const db = find(run, CONTAINER, "control-panel-db");
    expect(envOf(db)).toEqual({ POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_password", POSTGRES_USER: "control-panel", POSTGRES_DB: "control-panel" });
    expect(secretFilesOf(db).POSTGRES_PASSWORD).toMatchObject({ content: new URL(files.DATABASE_URL!.content).password, owner: "999", permissions: "0400", secret: true });
  });

  it("gives Redis its password in a config file: not in its command, environment or health check", () => {
    const cache = find(run, CONTAINER, "control-panel-cache");
    const password = new URL(secretFilesOf(find(run, CONTAINER, "control-panel")).REDIS_URL!.content).password;
    expect(cache.inputs.command).toEqual(["redis-server", "/run/secrets/redis.conf"]);
    expect(cache.inputs.envs ?? []).toEqual([]);
    const uploads = unwrap(cache.inputs.uploads) as { file: string; content: string; owner: string; permissions: string }[];
    expect(uploads).toEqual([{ file: "/run/secrets/redis.conf", content: `requirepass ${password}\nappendonly yes\n`, owner: "999", group: "999", permissions: "0400" }]);
    expect(JSON.stringify([cache.inputs.command, cache.inputs.healthcheck])).not.toContain(password);
  });

  it("runs the migration one-shot first, with the same image and database", () => {
    const migrate = find(run, CONTAINER, "control-panel-migrate");
    const panel = find(run, CONTAINER, "control-panel");
    expect(migrate.inputs).toMatchObject({ command: ["migrate"], attach: true, mustRun: false });
    expect(panel.inputs.command).toEqual(["serve"]);
    expect(migrate.inputs.image).toBe(panel.inputs.image);
    expect(secretFilesOf(migrate).DATABASE_URL).toEqual(secretFilesOf(panel).DATABASE_URL);
    // Registered after the migration finished (it depends on it): the mock records creation order.
    const order = run.resources.map((r) => r.name);
    expect(order.indexOf("control-panel-migrate")).toBeLessThan(order.lastIndexOf("control-panel"));
    expect(panel.inputs.healthcheck).toMatchObject({ tests: expect.arrayContaining([expect.stringContaining("/readyz")]) });
  });

  it("gives the runtime the panel's URL, and its token and keys as secret files", () => {
    const runtime = find(run, CONTAINER, "agent-runtime");
    expect(envOf(runtime)).toMatchObject({ IRON_CONTROL_PANEL_URL: "http://control-panel:3000", IRON_TOKEN_FILE: "/run/secrets/iron_token", OPENAI_API_KEY_FILE: "/run/secrets/openai_api_key" });
    const files = secretFilesOf(runtime);
    expect(files.IRON_TOKEN).toMatchObject({ content: TOKEN, secret: true, owner: "1000", permissions: "0400" });
    expect(files.OPENAI_API_KEY).toMatchObject({ content: "sk-mock-openai-key", secret: true });
    // Its ledger and telemetry queue survive restarts and re-deploys.
    expect(runtime.inputs.volumes).toEqual([expect.objectContaining({ containerPath: "/var/lib/iron-runtime" })]);
    expect(find(run, "docker:index/volume:Volume", "agent-runtime-data").inputs.name).toBe("iron-full-platform-agent-runtime-data");
  });

  it("tells the site where to sign in and serves the CLI artifacts under /downloads", () => {
    const site = find(run, CONTAINER, "marketing-site");
    const settings = JSON.parse((unwrap(site.inputs.uploads) as { content: string }[])[0]!.content) as Record<string, string>;
    expect(settings).toMatchObject({ controlPanelUrl: "http://127.0.0.1:3000", signInUrl: "http://127.0.0.1:3000/", downloadsUrl: "/downloads/" });
    const image = find(run, "docker:index/image:Image", "marketing-site-image");
    expect((image.inputs.build as { args: Record<string, string> }).args).toMatchObject({ SITE_DIR: "services/marketing-site/dist", DOWNLOADS_DIR: "dist/downloads" });
  });

  it("publishes ports on 127.0.0.1 only", () => {
    for (const c of containers(run)) {
      for (const port of (c.inputs.ports ?? []) as { ip: string }[]) expect(port.ip, c.name).toBe("127.0.0.1");
    }
    expect(run.outputs).toMatchObject({ controlPanelUrl: "http://127.0.0.1:3000", siteUrl: "http://127.0.0.1:8080", downloadsUrl: "http://127.0.0.1:8080/downloads/", runtimeUrl: "http://127.0.0.1:8787" });
  });

  it("keeps every generated secret secret: a secret output, and in no plain input", () => {
    expect(run.secretOutputs).toEqual(["adminPassword"]);
    const generated = run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword");
    expect(generated.map((r) => r.name).sort()).toEqual(["control-panel-admin-password", "control-panel-cache-password", "control-panel-db-password", "control-panel-master-key"]);
    for (const r of generated) {
      expect(r.inputs).toMatchObject({ special: false });
      expect(r.inputs.length).toBeGreaterThanOrEqual(24);
    }
    const values = [...JSON.stringify(run.resources).matchAll(/mocksecret[a-z0-9]+/gi)].map((m) => m[0]);
    expect(new Set(values).size).toBe(4);
    for (const value of new Set([...values, TOKEN, "sk-mock-openai-key"])) {
      for (const r of run.resources) expect(plainOccurrences(r.inputs, value), `${r.type} ${r.name}`).toEqual([]);
    }
  });

  it("builds our images from services/*/Dockerfile with the repository root as context", () => {
    const image = find(run, "docker:index/image:Image", "control-panel-image");
    expect(image.inputs).toMatchObject({ skipPush: true, build: { dockerfile: expect.stringMatching(/services\/control-panel\/Dockerfile$/), args: { BASE_IMAGE: "node:20-bookworm-slim" } } });
  });
});

describe("agent-only on docker", async () => {
  const run = await runStack("agent-only", { agentToken: TOKEN });
  it("deploys only the runtime: no database, no cache, no panel", () => {
    expect(blocks(run)).toEqual(["Service:agent-runtime"]);
    expect(run.resources.some((r) => /postgres|redis/.test(JSON.stringify(r.inputs)))).toBe(false);
  });
  it("leaves telemetry off without a panel URL", () => {
    const env = envOf(find(run, CONTAINER, "agent-runtime"));
    expect(env.IRON_CONTROL_PANEL_URL).toBeUndefined();
    expect(env.IRON_TELEMETRY).toBe("off");
  });
});

describe("wiring a runtime to an outside panel", () => {
  it("agent-only with iron:controlPanelUrl reports there", async () => {
    const run = await runStack("agent-only", { agentToken: TOKEN, controlPanelUrl: "https://panel.example.com" });
    expect(envOf(find(run, CONTAINER, "agent-runtime")).IRON_CONTROL_PANEL_URL).toBe("https://panel.example.com");
  });
  it("iron:telemetry false keeps even a deployed panel out of the runtime", async () => {
    const run = await runStack("full-platform", { agentToken: TOKEN, telemetry: false });
    expect(envOf(find(run, CONTAINER, "agent-runtime")).IRON_CONTROL_PANEL_URL).toBeUndefined();
  });
});

describe("panel-clis and sandbox-only on docker", () => {
  it("panel-clis: panel, database, cache and a downloads host; no runtime, no sandbox", async () => {
    const run = await runStack("panel-clis");
    expect(blocks(run)).toEqual(["Cache:control-panel-cache", "Database:control-panel-db", "Service:control-panel", "StaticSite:cli-downloads"]);
    expect(run.outputs).toMatchObject({ downloadsUrl: "http://127.0.0.1:8080/downloads/", adminEmail: "admin@iron.local" });
    expect(run.outputs.siteUrl).toBeUndefined();
  });

  it("sandbox-only: sandbox nodes and nothing else", async () => {
    const run = await runStack("sandbox-only", { sandboxNodes: { count: 2 } });
    expect(blocks(run)).toEqual(["SandboxNodes:sandbox-node"]);
    expect(containers(run).map((c) => c.name)).toEqual(["sandbox-node-1", "sandbox-node-2"]);
    expect(run.resources.filter((r) => r.type.startsWith("random:"))).toEqual([]);
    const node = containers(run)[0]!;
    expect(node.inputs.healthcheck).toMatchObject({ tests: ["CMD", "iron-sandbox", "--probe"] });
    expect(node.inputs.securityOpts).toContain("no-new-privileges:true");
  });
});

describe("image overrides and refusals", () => {
  it("iron:images overrides reach every container", async () => {
    const images = {
      controlPanel: "registry.local/iron/control-panel:1.0.0", agentRuntime: "registry.local/iron/agent-runtime:1.0.0",
      sandbox: "registry.local/iron/sandbox:1.0.0", postgres: "registry.local/postgres:16", redis: "registry.local/redis:7",
      nginx: "registry.local/nginx:1.27", base: "registry.local/node:20",
    };
    const run = await runStack("full-platform", { agentToken: TOKEN, images });
    const remote = run.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name).sort();
    expect(remote).toEqual([images.agentRuntime, images.controlPanel, images.postgres, images.redis, images.sandbox].sort());
    const built = run.resources.filter((r) => r.type === "docker:index/image:Image");
    expect(built.map((r) => r.name)).toEqual(["marketing-site-image"]);
    expect((built[0]!.inputs.build as { args: Record<string, string> }).args.NGINX_IMAGE).toBe(images.nginx);
  });

  it("the base image override reaches every image we build", async () => {
    const run = await runStack("full-platform", { agentToken: TOKEN, images: { base: "registry.local/node:20" } });
    const ours = run.resources.filter((r) => r.type === "docker:index/image:Image" && r.name !== "marketing-site-image");
    expect(ours.map((r) => r.name).sort()).toEqual(["agent-runtime-image", "control-panel-image", "sandbox-node-image"]);
    for (const r of ours) expect((r.inputs.build as { args: Record<string, string> }).args.BASE_IMAGE).toBe("registry.local/node:20");
  });

  it("refuses PostgreSQL older than 14", async () => {
    expect(await failStack("panel-clis", { images: { postgres: "postgres:13" } })).toContain('iron:images.postgres: "postgres:13" is PostgreSQL 13; the platform needs PostgreSQL 14 or newer');
  });

  it("fails a panel-clis stack with the control panel removed, naming the dependency", async () => {
    const stderr = await failStack("panel-clis", { exclude: ["control-panel"] });
    expect(stderr).toContain("CLI Tool → Control Panel (required)");
    expect(stderr).toContain("stacks/Pulumi.panel-clis.yaml");
  });

  it("without iron:agentToken: full-platform brings the panel up first and says how to add the runtime; agent-only reporting to a panel refuses", async () => {
    const run = await runStack("full-platform");
    expect(blocks(run)).not.toContain("Service:agent-runtime");
    expect(run.stderr).toContain("pulumi config set --secret iron:agentToken");
    expect(await failStack("agent-only", { controlPanelUrl: "https://panel.example.com" })).toContain("iron:agentToken: required to deploy an Agent Runtime that reports to the Control Panel at https://panel.example.com");
  });
});
