/**
 * The Pulumi program: stack config → validated strategy → Platform → stack outputs.
 * Run by `pulumi up --stack <strategy>`; see README § "How Pulumi loads this program".
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, resolveConfig } from "./config.js";
import { Platform } from "./platform.js";
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
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const platform = new Platform("iron", { config, root });

export const strategy = config.strategy;
export const target = config.target;
export const mode = config.mode;
export const packages = config.packages;
export const installOrder = config.installOrder;
export const controlPanelUrl = platform.controlPanelUrl;
export const siteUrl = platform.siteUrl;
export const downloadsUrl = platform.downloadsUrl;
export const runtimeUrl = platform.runtimeUrl;
export const sandboxNodes = platform.sandboxNodes;
export const adminEmail = platform.adminEmail;
export const adminPassword = platform.adminPassword;
