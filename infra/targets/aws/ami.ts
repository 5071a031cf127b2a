/**
 * The sandbox node images: the AWS public SSM parameter that names the current
 * AMI of each supported OS, and the kernel that image ships (all ≥ 5.13, so
 * Landlock is there).
 */
import * as pulumi from "@pulumi/pulumi";
import semver from "semver";
import type { Requirement } from "../../catalog.js";
import type { SANDBOX_NODE_OS } from "../../config.js";

export type NodeOs = (typeof SANDBOX_NODE_OS)[number];
/** CPU architecture as EC2 and the SSM parameters name it. */
export type Arch = "x86_64" | "arm64";

interface NodeImage {
  /** The public SSM parameter holding the current AMI id. */
  parameter: (arch: Arch) => string;
  /** The kernel series the image ships. */
  kernel: string;
  /** The root volume's device name in the image. */
  rootDevice: string;
}

export const NODE_IMAGES: Record<NodeOs, NodeImage> = {
  al2023: {
    parameter: (arch) => `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`,
    kernel: "6.1",
    rootDevice: "/dev/xvda",
  },
  "ubuntu-24.04": {
    parameter: (arch) => `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch === "x86_64" ? "amd64" : "arm64"}/hvm/ebs-gp3/ami-id`,
    kernel: "6.8",
    rootDevice: "/dev/sda1",
  },
  "debian-12": {
    parameter: (arch) => `/aws/service/debian/release/12/latest/${arch === "x86_64" ? "amd64" : "arm64"}`,
    kernel: "6.1",
    rootDevice: "/dev/xvda",
  },
};

/** Graviton families carry a "g" after the generation digit: t4g, m7g, c6gn, r8gd, x2gd, im4gn. */
export function archOf(instanceType: string): Arch {
  const family = instanceType.split(".")[0] ?? "";
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/** Refuses an OS image whose kernel cannot satisfy the sandbox's kernel requirement. */
export function assertKernel(os: NodeOs, requirements: Requirement[]): void {
  const kernel = requirements.find((r) => r.id === "linux-kernel");
  const shipped = semver.coerce(NODE_IMAGES[os].kernel);
  if (kernel?.range && shipped && !semver.satisfies(shipped, kernel.range)) {
    throw new pulumi.RunError(`iron:sandboxNodes.os: ${os} ships kernel ${NODE_IMAGES[os].kernel}; the sandbox needs ${kernel.name} ${kernel.display}`);
  }
}
