import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Nodes, NodesArgs } from "../target.js";
import { dockerImage } from "./image.js";

export interface DockerNodesArgs extends NodesArgs {
  network: docker.Network;
  prefix: string;
  root: string;
}

/**
 * The docker target's "nodes": sandbox containers on this Docker host, so the
 * host's kernel is what must carry Landlock and seccomp (the preflight checks it).
 * Each container runs the node bootstrap's checks at start and probes the
 * kernel features as its health check.
 */
export class DockerSandboxNodes extends pulumi.ComponentResource implements Nodes {
  readonly resource: pulumi.Resource = this;
  readonly summary: pulumi.Output<string[]>;

  constructor(name: string, args: DockerNodesArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("iron:docker:SandboxNodes", name, {}, opts);
    const image = dockerImage(`${name}-image`, args.image, args.root, this);
    const securityOpts = [seccompOption(args.root), "no-new-privileges:true"];
    const containers = Array.from({ length: args.count }, (_, i) => new docker.Container(`${name}-${i + 1}`, {
      name: `${args.prefix}-${name}-${i + 1}`,
      image: image.ref,
      networksAdvanced: [{ name: args.network.name, aliases: [`${name}-${i + 1}`] }],
      securityOpts,
      healthcheck: { tests: ["CMD", "iron-sandbox", "--probe"], interval: "30s", timeout: "5s", retries: 3, startPeriod: "5s" },
      labels: [
        { label: "iron/package", value: "sandbox" },
        { label: "iron/requirements", value: args.requirements.map((r) => `${r.id} ${r.display}`).join("; ") },
      ],
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 60,
    }, { parent: this, dependsOn: [image.resource] }));
    this.summary = pulumi.all(containers.map((c) => c.name)).apply((names) => names.map((n) => `docker container ${n} (this host's kernel)`));
    this.registerOutputs({ summary: this.summary });
  }
}

/**
 * Docker's default seccomp profile predates Landlock's syscalls on older engines;
 * the sandbox ships a profile that adds them. The engine API takes the JSON itself.
 */
function seccompOption(root: string): string {
  const profile = join(root, "services/sandbox/docker/seccomp.json");
  if (existsSync(profile)) return `seccomp=${readFileSync(profile, "utf8")}`;
  pulumi.log.warn("services/sandbox/docker/seccomp.json is missing: sandbox containers run without Docker's seccomp profile (the sandbox still applies its own filter)");
  return "seccomp=unconfined";
}
