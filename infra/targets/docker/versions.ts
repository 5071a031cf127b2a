import * as pulumi from "@pulumi/pulumi";
import semver from "semver";

/**
 * Refuses an image whose tag names a major below `minMajor` (e.g. postgres:13);
 * an untagged or non-numeric tag cannot be checked, so it is allowed with a warning.
 */
export function assertImageMajor(key: string, image: string, minMajor: number, what: string): void {
  const ref = image.split("@")[0] ?? image;
  const tag = ref.lastIndexOf(":") > ref.lastIndexOf("/") ? ref.slice(ref.lastIndexOf(":") + 1) : undefined;
  const version = tag ? semver.coerce(tag) : null;
  if (!version) {
    pulumi.log.warn(`${key}: cannot tell the ${what} version of "${image}" from its tag; it must be ${what} ${minMajor} or newer`);
    return;
  }
  if (version.major < minMajor) {
    throw new pulumi.RunError(`${key}: "${image}" is ${what} ${version.major}; the platform needs ${what} ${minMajor} or newer (e.g. ${ref.slice(0, ref.lastIndexOf(":"))}:${minMajor + 2})`);
  }
}
