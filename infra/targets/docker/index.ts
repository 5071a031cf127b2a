/** The docker target: every building block as containers on one Docker host. */
import * as docker from "@pulumi/docker";
import { DEFAULT_IMAGES } from "../../config.js";
import type { Target, TargetContext } from "../target.js";
import { DockerCache } from "./cache.js";
import { DockerDatabase } from "./database.js";
import { DockerSandboxNodes } from "./nodes.js";
import { DockerService } from "./service.js";
import { DockerStaticSite } from "./site.js";

/** Host ports the docker target publishes on `iron:publishAddress`. */
export const HOST_PORTS: Record<string, number> = {
  "control-panel": 3000,
  "agent-runtime": 8787,
  "marketing-site": 8080,
  "cli-downloads": 8080,
  pilot: 3000,
};

export function createDockerTarget(ctx: TargetContext): Target {
  const { config, root, parent } = ctx;
  const prefix = `iron-${config.stack}`;
  const network = new docker.Network("network", { name: `${prefix}` }, { parent });
  const images = config.images;
  return {
    name: "docker",
    database: (args) => new DockerDatabase(`${args.name}-db`, { ...args, image: images.postgres ?? DEFAULT_IMAGES.postgres, network, prefix }, { parent }),
    cache: (args) => new DockerCache(`${args.name}-cache`, { ...args, image: images.redis ?? DEFAULT_IMAGES.redis, network, prefix }, { parent }),
    service: (args) => new DockerService(args.name, {
      ...args, network, prefix, root, publishAddress: config.publishAddress, hostPort: HOST_PORTS[args.name] ?? args.port,
    }, { parent }),
    staticSite: (args) => new DockerStaticSite(args.name, {
      ...args, network, prefix, root, publishAddress: config.publishAddress, hostPort: HOST_PORTS[args.name] ?? 8080,
      nginxImage: images.nginx ?? DEFAULT_IMAGES.nginx,
    }, { parent }),
    nodes: (args) => new DockerSandboxNodes(args.name, { ...args, network, prefix, root }, { parent }),
  };
}
