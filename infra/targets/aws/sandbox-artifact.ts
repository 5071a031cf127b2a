import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import semver from "semver";
import { buildCommandFor } from "../../artifacts.js";
import type { Arch } from "./ami.js";

export interface SandboxTarball {
  file: string;
  /** Absolute paths of the tarball and its sha256sum-format checksum file. */
  path: string;
  checksumPath: string;
  sha256: string;
}

/** `uname -m` on the node, which names the tarball. */
const UNAME: Record<Arch, string> = { x86_64: "x86_64", arm64: "aarch64" };

/** The sandbox tarball for `arch` in `dir` (repo-relative), with its checksum; an error naming the build command when absent. */
export function sandboxTarball(root: string, dir: string, arch: Arch): SandboxTarball {
  const absolute = join(root, dir);
  const pattern = new RegExp(`^iron-sandbox-.+-linux-${UNAME[arch]}\\.tar\\.gz$`);
  const found = (existsSync(absolute) ? readdirSync(absolute) : []).filter((f) => pattern.test(f) && existsSync(join(absolute, `${f}.sha256`)));
  // Older tarballs may linger in the directory: take the newest version.
  const file = found.sort((a, b) => semver.compare(versionOf(a), versionOf(b))).at(-1);
  if (!file) {
    throw new pulumi.RunError(
      `${dir} has no iron-sandbox-<version>-linux-${UNAME[arch]}.tar.gz with its .sha256: build it with \`${buildCommandFor(dir)}\` on a linux/${UNAME[arch]} machine (or choose an iron:sandboxNodes.instanceType of the architecture you built), then run pulumi up again`,
    );
  }
  const checksumPath = join(absolute, `${file}.sha256`);
  const sha256 = readFileSync(checksumPath, "utf8").split(/\s+/)[0] ?? "";
  return { file, path: join(absolute, file), checksumPath, sha256 };
}

function versionOf(file: string): string {
  return semver.coerce(/^iron-sandbox-(.+)-linux-/.exec(file)?.[1] ?? "")?.version ?? "0.0.0";
}
