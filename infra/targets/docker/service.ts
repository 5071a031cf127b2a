import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Service, ServiceArgs } from "../target.js";
import { dockerImage, httpHealthcheck } from "./image.js";
import { SERVICE_USER, secretsAsFiles } from "./secret-files.js";

export interface DockerServiceArgs extends ServiceArgs {
  network: docker.Network;
  /** Docker object names are prefixed with this (one deployment per stack on a host). */
  prefix: string;
  publishAddress: string;
  /** Host port to publish on when public. */
  hostPort: number;
  root: string;
}

/**
 * A long-running container built from the package's Dockerfile, reachable on
 * the stack's network under its name, published on the host when public, with
 * an optional one-shot predecessor (same image) that must finish first.
 */
export class DockerService extends pulumi.ComponentResource implements Service {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly internalUrl: pulumi.Output<string>;

  constructor(name: string, args: DockerServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("iron:docker:Service", name, {}, opts);
    const image = dockerImage(`${name}-image`, args.image, args.root, this);
    // Secrets as files in /run/secrets, NAME_FILE in the environment (secret-files.ts).
    const secrets = secretsAsFiles(args.secretEnv, SERVICE_USER);
    const envs = [...plainEnvironment(args.env), ...secrets.env];
    const network = [{ name: args.network.name, aliases: [name] }];
    const labels = [{ label: "iron/package", value: args.package }];
    // The images' USER, stated, and no privilege gain through setuid binaries (policy/rules/non-root.ts).
    const hardening = { user: `${SERVICE_USER.uid}:${SERVICE_USER.gid}`, securityOpts: ["no-new-privileges:true"] };
    const dependsOn = [...args.dependsOn, image.resource];

    if (args.predecessor) {
      // attach: the provider waits for the one-shot container to exit before anything that depends on it.
      const step = new docker.Container(`${name}-${args.predecessor.name}`, {
        name: `${args.prefix}-${name}-${args.predecessor.name}`,
        image: image.ref,
        command: args.predecessor.command,
        envs,
        uploads: secrets.uploads,
        ...hardening,
        networksAdvanced: network,
        labels: [...labels, { label: "iron/step", value: args.predecessor.name }],
        attach: true,
        logs: true,
        mustRun: false,
        restart: "no",
      }, { parent: this, dependsOn });
      dependsOn.push(step);
    }

    const container = new docker.Container(name, {
      name: `${args.prefix}-${name}`,
      image: image.ref,
      command: args.command,
      envs,
      uploads: secrets.uploads,
      ...hardening,
      networksAdvanced: network,
      ports: args.public
        ? [{ internal: args.port, external: args.hostPort, ip: args.publishAddress }, ...(args.extraPorts ?? []).map((p) => ({ internal: p, external: p, ip: args.publishAddress }))]
        : [],
      healthcheck: httpHealthcheck(args.port, args.healthPath),
      volumes: args.dataPath ? [{ volumeName: new docker.Volume(`${name}-data`, { name: `${args.prefix}-${name}-data` }, { parent: this, retainOnDelete: true }).name, containerPath: args.dataPath }] : [],
      labels,
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 120,
    }, { parent: this, dependsOn });

    const host = args.publishAddress === "0.0.0.0" ? "localhost" : args.publishAddress;
    this.url = pulumi.output(args.public ? `http://${host}:${args.hostPort}` : `http://${name}:${args.port}`);
    this.internalUrl = pulumi.output(`http://${name}:${args.port}`);
    this.registerOutputs({ url: this.url, internalUrl: this.internalUrl, container: container.id });
  }
}

/** KEY=value list for a container's plain environment. */
function plainEnvironment(env: Record<string, pulumi.Input<string>>): pulumi.Input<string>[] {
  return Object.entries(env).map(([k, v]) => pulumi.interpolate`${k}=${v}`);
}
