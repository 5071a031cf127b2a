/**
 * The kubernetes target's sandbox pods for real on this machine's Docker
 * engine: the labeller DaemonSet's and the sandbox Deployment's containers, as
 * the program specifies them (uid, read-only root, no capabilities, no
 * privilege escalation, the default seccomp profile, emptyDirs, the script's
 * ConfigMap), built from services/sandbox/Dockerfile. The labeller marks this
 * node ready; the sandbox pod verifies itself, passes its readiness probe and
 * runs a job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerAvailable, dockerBuild, ensureNodeBaseImage } from "../support/docker.js";
import { dockerRunArgs, removeVolumeDirs, type PodSpec } from "../support/pod-as-container.js";
import { repoRoot, runStack } from "../support/pulumi-mocks.js";
import { named } from "./kubernetes-support.js";

const IMAGE = "iron-test/sandbox-k8s:dev";
const container = `iron-test-k8s-sandbox-${process.pid}`;

describe.skipIf(!dockerAvailable())("sandbox pods on kubernetes, as containers here (needs a running Docker engine)", async () => {
  const run = await runStack("sandbox-only", { target: "kubernetes" });
  const pod = (kind: string, name: string) => (named(run, kind, name).spec as { template: { spec: PodSpec } }).template.spec;
  const configMaps = { "sandbox-node-labeller-script": named(run, "ConfigMap", "sandbox-node-labeller-script").data as Record<string, string> };

  beforeAll(async () => {
    const base = await ensureNodeBaseImage();
    const built = dockerBuild(repoRoot, "services/sandbox/Dockerfile", IMAGE, { BASE_IMAGE: base });
    expect(built.ok, built.log.slice(-3000)).toBe(true);
  }, 20 * 60_000);
  afterAll(() => {
    docker("rm", "-f", container);
    removeVolumeDirs();
  });

  it("the labeller's container probes this node and would label it ready", () => {
    const { flags, command } = dockerRunArgs(pod("DaemonSet", "sandbox-node-labeller"), configMaps, "this-node");
    // Its one difference from the pod: --print instead of PATCHing an API server.
    const r = docker("run", "--rm", ...flags, IMAGE, ...command, "--print");
    expect(r.status, r.out).toBe(0);
    const printed = JSON.parse(r.out.trim().split("\n").pop()!) as { node: string; labels: Record<string, string> };
    expect(printed.node).toBe("this-node");
    expect(printed.labels["iron.dev/sandbox-ready"]).toBe("true");
    expect(Number(printed.labels["iron.dev/landlock-abi"])).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it("the sandbox pod's container verifies the node, passes its readiness probe and runs a job", async () => {
    const spec = pod("Deployment", "sandbox-node");
    const { flags, command } = dockerRunArgs(spec, configMaps, "this-node");
    const started = docker("run", "-d", "--name", container, ...flags, IMAGE, ...command);
    expect(started.status, started.out).toBe(0);
    let running = "";
    for (let i = 0; i < 30 && running !== "true"; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      running = docker("inspect", "-f", "{{.State.Running}}", container).out.trim();
    }
    expect(running, docker("logs", container).out).toBe("true");
    const readiness = spec.containers[0] as { readinessProbe?: { exec?: { command: string[] } } };
    const probe = docker("exec", container, ...readiness.readinessProbe!.exec!.command);
    expect(probe.status, probe.out).toBe(0);
    expect(probe.out).toMatch(/"landlock_abi":[1-9]/);
    const job = docker("exec", container, "iron-sandbox", "--quiet", "--", "/bin/sh", "-c", "echo job done; id -u");
    expect(job.out).toBe("job done\n1000\n");
    expect(docker("logs", container).out).toMatch(/ready: kernel/);
  }, 120_000);
});
