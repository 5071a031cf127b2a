import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSource } from "../target.js";
import type { AwsDeployment } from "./context.js";

export interface EcrImage {
  /** What a task runs: the pushed image by digest, or the operator's reference. */
  ref: pulumi.Output<string>;
  resources: pulumi.Resource[];
}

/**
 * Builds an image from a Dockerfile in this repo and pushes it to its own ECR
 * repository (scanned on push, untagged images expire); an operator's
 * reference from `iron:images` is used as is.
 */
export function ecrImage(name: string, source: ImageSource, deployment: AwsDeployment, tags: Record<string, string>, parent: pulumi.Resource): EcrImage {
  if (source.kind === "ref") return { ref: pulumi.output(source.ref), resources: [] };
  const repository = new aws.ecr.Repository(name, {
    name: `${deployment.prefix}/${source.repository}`,
    imageTagMutability: "MUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: "AES256" }],
    tags,
  }, { parent });
  new aws.ecr.LifecyclePolicy(`${name}-expiry`, {
    repository: repository.name,
    policy: JSON.stringify({
      rules: [{ rulePriority: 1, description: "expire untagged images after 14 days", selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }, action: { type: "expire" } }],
    }),
  }, { parent });
  const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent });
  const image = new docker.Image(`${name}-build`, {
    imageName: pulumi.interpolate`${repository.repositoryUrl}:latest`,
    build: {
      context: `${deployment.root}/${source.context}`,
      dockerfile: `${deployment.root}/${source.dockerfile}`,
      args: source.args,
      platform: "linux/amd64",
    },
    registry: { server: repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
  }, { parent });
  return { ref: image.repoDigest, resources: [image] };
}
