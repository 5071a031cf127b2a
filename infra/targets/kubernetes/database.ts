import * as pulumi from "@pulumi/pulumi";
import { assertImageMajor } from "../docker/versions.js";
import type { Database, DatabaseArgs } from "../target.js";
import { podsOf, type KubeDeployment } from "./context.js";
import { dataStore, externalEndpoint } from "./data-store.js";
import type { Reachable } from "./network-policies.js";

export interface KubeDatabaseArgs extends DatabaseArgs {
  image: string;
  deployment: KubeDeployment;
}

const PORT = 5432;

/**
 * PostgreSQL in the cluster (a StatefulSet whose max_connections is
 * iron:kubernetes.databaseMaxConnections), or the managed database named by
 * iron:kubernetes.databaseUrl, in which case nothing is created in the cluster.
 */
export class KubeDatabase extends pulumi.ComponentResource implements Database, Reachable {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly endpoint: { selector?: Record<string, string>; port: number };

  constructor(name: string, args: KubeDatabaseArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:kubernetes:Database", name, {}, opts);
    const { settings } = args.deployment;
    if (settings.databaseUrl) {
      const external = externalEndpoint(settings.databaseUrl, PORT);
      this.url = external.url;
      this.host = pulumi.output(external.host);
      this.port = pulumi.output(external.port);
      this.endpoint = { port: external.port };
    } else {
      assertImageMajor("iron:images.postgres", args.image, args.minMajor, "PostgreSQL");
      const store = dataStore(this, args.deployment, {
        name,
        consumer: args.name,
        kind: "postgres",
        image: args.image,
        port: PORT,
        dataPath: "/var/lib/postgresql/data",
        storage: settings.databaseStorage,
        storageClass: settings.storageClass,
        passwordEnv: "POSTGRES_PASSWORD",
        // A subdirectory: the volume's root may hold lost+found, which initdb refuses.
        env: [{ name: "POSTGRES_USER", value: args.name }, { name: "POSTGRES_DB", value: args.name }, { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" }],
        args: ["-c", `max_connections=${settings.databaseMaxConnections}`],
        ready: ["pg_isready", "-h", "127.0.0.1", "-U", args.name, "-d", args.name],
        scratch: { run: "/var/run/postgresql", tmp: "/tmp" },
      });
      this.host = pulumi.output(store.host);
      this.port = pulumi.output(PORT);
      this.url = pulumi.secret(pulumi.interpolate`postgres://${args.name}:${store.password.result}@${store.host}:${PORT}/${args.name}`);
      this.endpoint = { selector: podsOf(name), port: PORT };
    }
    this.registerOutputs({ host: this.host, port: this.port });
  }
}
