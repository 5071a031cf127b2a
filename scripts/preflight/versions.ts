import semver from "semver";

/** Parses loose version strings: "6.18.44-fc-v782" → 6.18.44, "16.4 (Debian 16.4-1)" → 16.4.0, "v20.1.0" → 20.1.0. */
export function parseVersion(raw: string | undefined): semver.SemVer | undefined {
  if (!raw) return undefined;
  return semver.coerce(raw) ?? undefined;
}

/** True when `raw` parses and satisfies the semver `range`. */
export function satisfies(raw: string | undefined, range: string): boolean {
  const version = parseVersion(raw);
  return version !== undefined && semver.satisfies(version, range);
}

/** The version in an image reference's tag: "postgres:16" → "16", "registry:5000/redis:7.2-alpine" → "7.2-alpine". */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split("@")[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}
