import type { Target, TargetContext } from "./target.js";
import { createAwsTarget } from "./aws/index.js";
import { createDockerTarget } from "./docker/index.js";
import { createKubernetesTarget } from "./kubernetes/index.js";

/** The building blocks for `iron:target`. */
export function createTarget(ctx: TargetContext): Target {
  switch (ctx.config.target) {
    case "docker":
      return createDockerTarget(ctx);
    case "aws":
      return createAwsTarget(ctx);
    case "kubernetes":
      return createKubernetesTarget(ctx);
  }
}
