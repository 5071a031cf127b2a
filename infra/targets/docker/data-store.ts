import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ContainerVolume } from "@pulumi/docker/types/input.js";
import { dockerImage } from "./image.js";

export interface DataStoreParts {
  password: random.RandomPassword;
  /** The store's named volume, mounted at `dataPath`, kept when the stack is destroyed. */
  volume: ContainerVolume;
  imageRef: pulumi.Output<string>;
}

/** What the database and the cache share: a generated password, a persistent volume and their image. */
export function dataStoreParts(parent: pulumi.Resource, name: string, prefix: string, image: string, dataPath: string): DataStoreParts {
  const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent });
  const volume = new docker.Volume(`${name}-data`, { name: `${prefix}-${name}-data` }, { parent, retainOnDelete: true });
  return {
    password,
    volume: { volumeName: volume.name, containerPath: dataPath },
    imageRef: dockerImage(`${name}-image`, { kind: "ref", ref: image }, "", parent).ref,
  };
}
