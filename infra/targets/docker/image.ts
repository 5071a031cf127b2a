import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSource } from "../target.js";

export interface BuiltImage {
  /** Reference a container runs. */
  ref: pulumi.Output<string>;
  resource: pulumi.Resource;
}

/**
 * Builds an image from a Dockerfile in this repo (kept local: no push), or
 * uses an operator's reference from `iron:images`, which Docker pulls.
 */
export function dockerImage(name: string, source: ImageSource, root: string, parent: pulumi.Resource): BuiltImage {
  if (source.kind === "ref") {
    const image = new docker.RemoteImage(name, { name: source.ref, keepLocally: true }, { parent });
    return { ref: image.imageId, resource: image };
  }
  const image = new docker.Image(
    name,
    {
      imageName: `iron/${source.repository}:latest`,
      skipPush: true,
      build: {
        context: `${root}/${source.context}`,
        dockerfile: `${root}/${source.dockerfile}`,
        args: source.args,
        platform: "linux/amd64",
      },
    },
    { parent },
  );
  return { ref: image.imageName, resource: image };
}

/** A check the container runs to call itself healthy: GET healthPath answers 2xx (images have node). */
export function httpHealthcheck(port: number, path: string): docker.types.input.ContainerHealthcheck {
  const probe = `fetch('http://127.0.0.1:${port}${path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  return { tests: ["CMD", "node", "-e", probe], interval: "5s", timeout: "3s", retries: 12, startPeriod: "5s" };
}
