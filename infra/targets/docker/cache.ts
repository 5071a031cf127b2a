import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Cache, CacheArgs } from "../target.js";
import { dataStoreParts } from "./data-store.js";
import { DATA_STORE_USERS, secretFilePath, secretUpload } from "./secret-files.js";
import { assertImageMajor } from "./versions.js";

export interface DockerCacheArgs extends CacheArgs {
  image: string;
  network: docker.Network;
  /** Docker object names are prefixed with this (one deployment per stack on a host). */
  prefix: string;
}

/** Redis reads its password from this config file; neither its command nor its environment holds it. */
export const REDIS_CONFIG_FILE = secretFilePath("redis.conf");

/** The health check takes the password from the config file into redis-cli's REDISCLI_AUTH: not on its command line either. */
export const REDIS_HEALTHCHECK = `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' ${REDIS_CONFIG_FILE})" redis-cli ping | grep -q PONG`;

/**
 * The server's configuration: password and append-only persistence, in the working directory (the official image's
 * /data, the volume), as `redis-server --requirepass … --appendonly yes` had it. The password is [A-Za-z0-9] (no quoting).
 */
export function redisConfig(password: string): string {
  return `requirepass ${password}\nappendonly yes\n`;
}

/** Redis in a container: its password in a mounted config file (never on the command line or in the environment), append-only persistence. */
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
      command: ["redis-server", REDIS_CONFIG_FILE],
      uploads: [secretUpload(REDIS_CONFIG_FILE, password.result.apply(redisConfig), DATA_STORE_USERS.redis)],
      volumes: [volume],
      networksAdvanced: [{ name: args.network.name, aliases: [name] }],
      healthcheck: { tests: ["CMD-SHELL", REDIS_HEALTHCHECK], interval: "2s", timeout: "3s", retries: 30 },
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 60,
      labels: [{ label: "iron/package", value: "control-panel" }],
    }, { parent: this });
    this.url = pulumi.secret(pulumi.interpolate`redis://:${password.result}@${name}:6379`);
    this.registerOutputs({ container: container.id });
  }
}
