import type { ResolvedConfig } from "../../config.js";

/** `iron:aws` with its defaults applied. */
export type AwsSettings = ResolvedConfig["aws"];

/** What every aws building block needs to know about the deployment it is part of. */
export interface AwsDeployment {
  /** Prefix for names AWS shows to people (one deployment per stack and account). */
  prefix: string;
  /** Tags on every taggable resource. */
  tags: Record<string, string>;
  settings: AwsSettings;
  /** Absolute path of the repository root. */
  root: string;
}

/** Tags for a resource of `pkg` (plan and the AWS console group resources by iron:package). */
export function tagsFor(deployment: AwsDeployment, pkg: string, name?: string): Record<string, string> {
  return { ...deployment.tags, "iron:package": pkg, ...(name ? { Name: `${deployment.prefix}-${name}` } : {}) };
}
