/** `iron:mode: pilot` through the docker target, under Pulumi's mock runtime, loading the stack files we ship. */
import { describe, expect, it } from "vitest";
import { containers, envOf, failStack, find, plainOccurrences, runStack, secretFilesOf } from "../support/pulumi-mocks.js";

const CONTAINER = "docker:index/container:Container";

describe("full-platform in pilot mode on docker", async () => {
  const run = await runStack("full-platform", { mode: "pilot", openaiApiKey: "sk-mock-openai-key" });

  it("deploys one pilot service and nothing else: no database, cache, site host or separate runtime", () => {
    const blocks = run.resources.filter((r) => r.type.startsWith("iron:docker:")).map((r) => `${r.type.slice("iron:docker:".length)}:${r.name}`);
    expect(blocks).toEqual(["Service:pilot"]);
    expect(containers(run).map((c) => c.name)).toEqual(["pilot"]);
  });

  it("builds the pilot image from scripts/pilot/Dockerfile with the base image build argument", () => {
    const image = find(run, "docker:index/image:Image", "pilot-image");
    expect(image.inputs.build).toMatchObject({ dockerfile: expect.stringMatching(/scripts\/pilot\/Dockerfile$/), args: { BASE_IMAGE: "node:20-bookworm-slim" } });
    expect(find(run, CONTAINER, "pilot").inputs.image).toBeDefined();
  });

  it("publishes the panel, runtime and site ports on 127.0.0.1, keeps its data on a volume and waits for /readyz", () => {
    const pilot = find(run, CONTAINER, "pilot");
    expect(pilot.inputs.ports).toEqual([
      { internal: 3000, external: 3000, ip: "127.0.0.1" },
      { internal: 8787, external: 8787, ip: "127.0.0.1" },
      { internal: 8080, external: 8080, ip: "127.0.0.1" },
    ]);
    expect(pilot.inputs.volumes).toEqual([{ volumeName: "iron-full-platform-pilot-data", containerPath: "/var/lib/iron-pilot" }]);
    expect(find(run, "docker:index/volume:Volume", "pilot-data")).toBeDefined();
    expect(pilot.inputs.healthcheck).toMatchObject({ tests: expect.arrayContaining([expect.stringContaining("/readyz")]) });
  });

  it("gives the pilot the admin email, and the admin password and provider key only as secret files", () => {
    const pilot = find(run, CONTAINER, "pilot");
    expect(envOf(pilot)).toEqual({
      IRON_ADMIN_EMAIL: "admin@iron.local", IRON_PILOT_PUBLIC_URL: "http://127.0.0.1:3000",
      IRON_ADMIN_PASSWORD_FILE: "/run/secrets/iron_admin_password", OPENAI_API_KEY_FILE: "/run/secrets/openai_api_key",
    });
    const files = secretFilesOf(pilot);
    expect(files.OPENAI_API_KEY).toMatchObject({ content: "sk-mock-openai-key", secret: true, owner: "1000", permissions: "0400" });
    expect(files.IRON_ADMIN_PASSWORD!.content.length).toBeGreaterThanOrEqual(24);
    for (const value of [files.IRON_ADMIN_PASSWORD!.content, "sk-mock-openai-key"]) {
      for (const r of run.resources) expect(plainOccurrences(r.inputs, value), `${r.type} ${r.name}`).toEqual([]);
    }
  });

  it("points every output at the pilot", () => {
    expect(run.outputs).toMatchObject({
      controlPanelUrl: "http://127.0.0.1:3000",
      runtimeUrl: "http://127.0.0.1:8787",
      siteUrl: "http://127.0.0.1:8080",
      downloadsUrl: "http://127.0.0.1:8080/downloads/",
      adminEmail: "admin@iron.local",
    });
    expect(run.secretOutputs).toEqual(["adminPassword"]);
  });

  it("uses an operator's pilot image instead of building one", async () => {
    const custom = await runStack("full-platform", { mode: "pilot", images: { pilot: "registry.example.com/iron/pilot:1.0" } });
    expect(custom.resources.some((r) => r.type === "docker:index/image:Image")).toBe(false);
    expect(find(custom, "docker:index/remoteImage:RemoteImage", "pilot-image").inputs).toMatchObject({ name: "registry.example.com/iron/pilot:1.0" });
    expect(find(custom, CONTAINER, "pilot").inputs.image).toBeDefined();
  });

  it("tells the pilot the address it is published on", async () => {
    const wide = await runStack("full-platform", { mode: "pilot", publishAddress: "0.0.0.0" });
    expect(envOf(find(wide, CONTAINER, "pilot")).IRON_PILOT_PUBLIC_URL).toBe("http://localhost:3000");
    expect(wide.outputs).toMatchObject({ controlPanelUrl: "http://localhost:3000", siteUrl: "http://localhost:8080" });
  });

  it("refuses a target other than docker, saying what to change", async () => {
    const stderr = await failStack("full-platform", { mode: "pilot", target: "aws" });
    expect(stderr).toMatch(/iron:mode: pilot runs on one host through the docker target, not aws/);
  });
});
