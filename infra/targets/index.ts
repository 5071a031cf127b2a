import * as pulumi from "@pulumi/pulumi";
import type { Target, TargetContext } from "./target.js";
import { createAwsTarget } from "./aws/index.js";
import { createDockerTarget } from "./docker/index.js";

/** The building blocks for `iron:target`. */
export function createTarget(ctx: TargetContext): Target {
  switch (ctx.config.target) {
    case "docker":
      return createDockerTarget(ctx);
    case "aws":
      return createAwsTarget(ctx);
    case "kubernetes":
      throw new pulumi.RunError(`iron:target: "${ctx.config.target}" has no building blocks in this version of the kit yet; use target docker (npm run plan -- --stack ${ctx.config.stack} --target docker shows what it deploys)`);
  }
}
