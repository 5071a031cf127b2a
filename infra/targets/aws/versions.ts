import * as pulumi from "@pulumi/pulumi";

/** Refuses an engine version (from `iron:aws.<key>`) whose major is below `minMajor`. */
export function assertEngineMajor(key: string, version: string, minMajor: number, what: string): void {
  const major = Number(version.split(".")[0]);
  if (major < minMajor) {
    throw new pulumi.RunError(`iron:aws.${key}: "${version}" is ${what} ${major}; the platform needs ${what} ${minMajor} or newer (set iron:aws.${key} to ${minMajor} or later, e.g. the default)`);
  }
}
