/**
 * The Pulumi program: stack config → validated strategy → stack outputs.
 * Run by `pulumi up --stack <strategy>`; see README § "How Pulumi loads this program".
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, resolveConfig } from "./config.js";
import { ironValuesFromEngine } from "./stack-file.js";

function loadConfig() {
  try {
    return resolveConfig(pulumi.getStack(), ironValuesFromEngine(pulumi.runtime.allConfig()));
  } catch (err) {
    // RunError: Pulumi prints the message without a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const config = loadConfig();

export const strategy = config.strategy;
export const target = config.target;
export const mode = config.mode;
export const packages = config.packages;
export const installOrder = config.installOrder;
