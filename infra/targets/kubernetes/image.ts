import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSource } from "../target.js";

export interface KubeImage {
  /** What pods run: the pushed image by digest, the local tag, or the operator's reference. */
  ref: pulumi.Output<string>;
  resources: pulumi.Resource[];
}

let warnedLocal = false;

/**
 * Builds an image from a Dockerfile in this repo and pushes it to
 * `iron:kubernetes.registry` (pods pull it by digest), or, with no registry,
 * builds it locally under a tag of its package version for clusters that see
 * the local images (kind load docker-image, minikube image load). An
 * operator's reference from `iron:images` is used as is (air-gapped clusters).
 */
export function kubeImage(name: string, source: ImageSource, root: string, registry: string | undefined, parent: pulumi.Resource): KubeImage {
  if (source.kind === "ref") return { ref: pulumi.output(source.ref), resources: [] };
  const tag = packageVersion(root, source.dockerfile);
  const build = {
    context: `${root}/${source.context}`,
    dockerfile: `${root}/${source.dockerfile}`,
    args: source.args,
    platform: "linux/amd64",
  };
  if (!registry) {
    if (!warnedLocal) {
      pulumi.log.warn("iron:kubernetes.registry is not set: images are built locally and not pushed; the cluster must already have them (kind load docker-image / minikube image load), or set a registry or iron:images", parent);
      warnedLocal = true;
    }
    const image = new docker.Image(name, { imageName: `iron/${source.repository}:${tag}`, skipPush: true, build }, { parent });
    return { ref: image.imageName, resources: [image] };
  }
  const image = new docker.Image(name, { imageName: `${registry}/${source.repository}:${tag}`, build }, { parent });
  return { ref: image.repoDigest, resources: [image] };
}

/** The version in the package.json beside the Dockerfile (a new version is a new tag), else "latest". */
function packageVersion(root: string, dockerfile: string): string {
  const manifest = join(root, dirname(dockerfile), "package.json");
  if (!existsSync(manifest)) return "latest";
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version?: string };
  return version ?? "latest";
}
