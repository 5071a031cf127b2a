/**
 * The kubernetes target's static-site pod for real on this machine's Docker
 * engine: the image built with the build arguments the program passes (on an
 * nginx base made from Debian's nginx, as an air-gapped operator would pass
 * through iron:images.nginx), run under the pod spec's own constraints (uid
 * 101, read-only root, emptyDirs, no capabilities, no network) with
 * /settings.json mounted from the program's ConfigMap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDebianDockerImage } from "../support/debian-rootfs.js";
import { commandAvailable, docker, dockerAvailable, dockerBuild, ensureNginxBaseImage } from "../support/docker.js";
import { dockerRunArgs, removeVolumeDirs, type PodSpec } from "../support/pod-as-container.js";
import { waitFor } from "../support/processes.js";
import { find, repoRoot, runStack, unwrap } from "../support/pulumi-mocks.js";
import { named } from "./kubernetes-support.js";

const ready = dockerAvailable() && commandAvailable("debootstrap");
const IMAGE = "iron-test/static-site-k8s:dev";
const container = `iron-test-k8s-site-${process.pid}`;

describe.skipIf(!ready)("the site pod on kubernetes, as a container here (needs a running Docker engine and debootstrap)", async () => {
  const run = await runStack("full-platform", { target: "kubernetes" });
  const spec = (named(run, "Deployment", "marketing-site").spec as { template: { spec: PodSpec } }).template.spec;
  const settings = named(run, "ConfigMap", "marketing-site-settings").data as Record<string, string>;
  const buildArgs = (unwrap(find(run, "docker:index/image:Image", "marketing-site-image").inputs.build) as { args: Record<string, string> }).args;
  const get = (path: string) => docker("exec", container, "wget", "-q", "-O", "-", `http://127.0.0.1:8080${path}`);

  beforeAll(async () => {
    const nginx = await ensureNginxBaseImage(await ensureDebianDockerImage());
    const built = dockerBuild(repoRoot, "infra/targets/docker/static-site.Dockerfile", IMAGE, { ...buildArgs, NGINX_IMAGE: nginx });
    expect(built.ok, built.log.slice(-3000)).toBe(true);
    const { flags, command } = dockerRunArgs(spec, { "marketing-site-settings": settings }, "this-node");
    const started = docker("run", "-d", "--name", container, ...flags, IMAGE, ...command);
    expect(started.status, started.out).toBe(0);
    await waitFor("nginx to answer /healthz inside the pod's container", () => get("/healthz").status === 0, 30_000)
      .catch((err: Error) => { throw new Error(`${err.message}\n${docker("logs", container).out}`); });
  }, 30 * 60_000);
  afterAll(() => {
    docker("rm", "-f", container);
    removeVolumeDirs();
  });

  it("serves the site, /downloads with SHA256SUMS, and the program's settings", () => {
    expect(get("/").out).toContain("<html");
    expect(get("/downloads/SHA256SUMS").out).toMatch(/^[0-9a-f]{64} {2}\S+/m);
    expect(JSON.parse(get("/settings.json").out)).toEqual(JSON.parse(settings["settings.json"]!));
    expect(docker("exec", container, "id", "-u").out.trim()).toBe("101");
  });
});
