import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Cache, CacheArgs } from "../target.js";
import { dataStoreParts } from "./data-store.js";
import { assertImageMajor } from "./versions.js";

export interface DockerCacheArgs extends CacheArgs {
  image: string;
  network: docker.Network;
  /** Docker object names are prefixed with this (one deployment per stack on a host). */
  prefix: string;
}

/** Redis in a container: password from the environment (never on the command line), append-only persistence. */
export class DockerCache extends pulumi.ComponentResource implements Cache {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DockerCacheArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:docker:Cache", name, {}, opts);
    assertImageMajor("iron:images.redis", args.image, args.minMajor, "Redis");
    const { password, volume, imageRef } = dataStoreParts(this, name, args.prefix, args.image, "/data");
    const container = new docker.Container(name, {
      name: `${args.prefix}-${name}`,
      image: imageRef,
      envs: pulumi.secret(pulumi.interpolate`REDIS_PASSWORD=${password.result}`.apply((p) => [p])),
      command: ["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes'],
      volumes: [volume],
      networksAdvanced: [{ name: args.network.name, aliases: [name] }],
      healthcheck: { tests: ["CMD-SHELL", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'], interval: "2s", timeout: "3s", retries: 30 },
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 60,
      labels: [{ label: "iron/package", value: "control-panel" }],
    }, { parent: this });
    this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${name}:6379`);
    this.registerOutputs({ container: container.id });
  }
}
