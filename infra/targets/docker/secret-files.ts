/**
 * Secrets on the docker target go into files inside the container, never into its environment or command
 * (`docker inspect` shows those to anyone with the Docker socket): Docker's and Compose's secrets convention,
 * `/run/secrets/<name>` readable only by the process's user, and `<NAME>_FILE` pointing at it. The provider writes
 * each file (`uploads`) before the container first starts. The services read `<NAME>_FILE`
 * (services/protocol/src/secret-files.ts); PostgreSQL's official image reads `POSTGRES_PASSWORD_FILE`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ContainerUpload } from "@pulumi/docker/types/input.js";

export const SECRETS_DIR = "/run/secrets";

export interface FileOwner {
  uid: number;
  gid: number;
}

/** The user our images run as (`USER 1000:1000` in services/*\/Dockerfile and the pilot's). */
export const SERVICE_USER: FileOwner = { uid: 1000, gid: 1000 };

/**
 * The users the official data-store images run their server as, who read the files: docker-library's Dockerfiles
 * (github.com/docker-library/postgres `useradd … --uid=999 postgres`, github.com/docker-library/redis
 * `useradd … -u 999 redis`). Their entrypoints start as root and drop to these users.
 */
export const DATA_STORE_USERS = {
  postgres: { uid: 999, gid: 999 },
  redis: { uid: 999, gid: 999 },
} as const satisfies Record<string, FileOwner>;

/** `/run/secrets/database_url` for DATABASE_URL. */
export function secretFilePath(name: string): string {
  return `${SECRETS_DIR}/${name.toLowerCase()}`;
}

/** A file only its owner can read (0400), holding a secret (kept secret in Pulumi's state). */
export function secretUpload(file: string, content: pulumi.Input<string>, owner: FileOwner): ContainerUpload {
  return { file, content: pulumi.secret(content), owner: String(owner.uid), group: String(owner.gid), permissions: "0400" };
}

export interface SecretsAsFiles {
  /** `NAME_FILE=/run/secrets/name`, one per secret: plain, since they hold only paths. */
  env: string[];
  uploads: ContainerUpload[];
}

/** Each secret `NAME` as the file `/run/secrets/name` owned by `owner`, and `NAME_FILE` naming it. */
export function secretsAsFiles(secrets: Record<string, pulumi.Input<string>>, owner: FileOwner): SecretsAsFiles {
  const entries = Object.entries(secrets);
  return {
    env: entries.map(([name]) => `${name}_FILE=${secretFilePath(name)}`),
    uploads: entries.map(([name, value]) => secretUpload(secretFilePath(name), value, owner)),
  };
}
