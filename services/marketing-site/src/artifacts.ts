import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Artifact } from "./types.js";

/** The artifacts listed in `<dir>/SHA256SUMS` (sha256sum format), with their sizes; undefined when not built. */
export async function readArtifacts(dir: string): Promise<Artifact[] | undefined> {
  let sums: string;
  try {
    sums = await readFile(join(dir, "SHA256SUMS"), "utf8");
  } catch {
    return undefined;
  }
  const artifacts: Artifact[] = [];
  for (const line of sums.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *]?(\S.*)$/.exec(line.trim());
    if (!match) continue;
    const [, sha256, name] = match as unknown as [string, string, string];
    const info = await stat(join(dir, name)).catch(() => undefined);
    artifacts.push({ name, sha256, size: info?.size });
  }
  return artifacts;
}
