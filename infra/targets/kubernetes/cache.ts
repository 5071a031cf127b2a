import * as pulumi from "@pulumi/pulumi";
import { assertImageMajor } from "../docker/versions.js";
import type { Cache, CacheArgs } from "../target.js";
import { podsOf, type KubeDeployment } from "./context.js";
import { dataStore, externalEndpoint } from "./data-store.js";
import type { Reachable } from "./network-policies.js";

export interface KubeCacheArgs extends CacheArgs {
  image: string;
  deployment: KubeDeployment;
}

const PORT = 6379;

/**
 * Redis in the cluster (a StatefulSet, append-only persistence, password from
 * its Secret, never on the command line), or the managed Redis named by
 * iron:kubernetes.redisUrl, in which case nothing is created in the cluster.
 */
export class KubeCache extends pulumi.ComponentResource implements Cache, Reachable {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly endpoint: { selector?: Record<string, string>; port: number };

  constructor(name: string, args: KubeCacheArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:kubernetes:Cache", name, {}, opts);
    const { settings } = args.deployment;
    if (settings.redisUrl) {
      const external = externalEndpoint(settings.redisUrl, PORT);
      this.url = external.url;
      this.endpoint = { port: external.port };
    } else {
      assertImageMajor("iron:images.redis", args.image, args.minMajor, "Redis");
      const store = dataStore(this, args.deployment, {
        name,
        consumer: args.name,
        kind: "redis",
        image: args.image,
        port: PORT,
        dataPath: "/data",
        storage: settings.cacheStorage,
        storageClass: settings.storageClass,
        passwordEnv: "REDIS_PASSWORD",
        env: [],
        command: ["sh", "-c", 'exec redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes --dir /data'],
        ready: ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'],
        scratch: { tmp: "/tmp" },
      });
      this.url = pulumi.secret(pulumi.interpolate`redis://:${store.password.result}@${store.host}:${PORT}`);
      this.endpoint = { selector: podsOf(name), port: PORT };
    }
    this.registerOutputs({});
  }
}
