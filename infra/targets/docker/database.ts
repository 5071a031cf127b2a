import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Database, DatabaseArgs } from "../target.js";
import { dataStoreParts } from "./data-store.js";
import { DATA_STORE_USERS, secretFilePath, secretUpload } from "./secret-files.js";
import { assertImageMajor } from "./versions.js";

export interface DockerDatabaseArgs extends DatabaseArgs {
  image: string;
  network: docker.Network;
  /** Docker object names are prefixed with this (one deployment per stack on a host). */
  prefix: string;
}

const PASSWORD_FILE = secretFilePath("POSTGRES_PASSWORD");

/** PostgreSQL in a container with a persistent volume, a generated password and a readiness check. */
export class DockerDatabase extends pulumi.ComponentResource implements Database {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;

  constructor(name: string, args: DockerDatabaseArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:docker:Database", name, {}, opts);
    assertImageMajor("iron:images.postgres", args.image, args.minMajor, "PostgreSQL");
    const { password, volume, imageRef } = dataStoreParts(this, name, args.prefix, args.image, "/var/lib/postgresql/data");
    const container = new docker.Container(name, {
      name: `${args.prefix}-${name}`,
      image: imageRef,
      // The official image's entrypoint reads POSTGRES_PASSWORD_FILE (its *_FILE convention) on the first start.
      envs: [`POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`, `POSTGRES_USER=${args.name}`, `POSTGRES_DB=${args.name}`],
      uploads: [secretUpload(PASSWORD_FILE, password.result, DATA_STORE_USERS.postgres)],
      volumes: [volume],
      networksAdvanced: [{ name: args.network.name, aliases: [name] }],
      healthcheck: { tests: ["CMD-SHELL", `pg_isready -U ${args.name} -d ${args.name}`], interval: "2s", timeout: "3s", retries: 30 },
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 120,
      labels: [{ label: "iron/package", value: "control-panel" }],
    }, { parent: this });
    this.host = pulumi.output(name);
    this.port = pulumi.output(5432);
    this.url = pulumi.secret(pulumi.interpolate`postgres://${args.name}:${password.result}@${name}:5432/${args.name}`);
    this.registerOutputs({ host: this.host, port: this.port, container: container.id });
  }
}
