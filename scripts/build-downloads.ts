/**
 * `npm run build:downloads`: assembles what the Marketing Site serves under /downloads/ — the `iron` CLI's artifacts
 * and the Python CLI's wheel — into one directory (ARTIFACTS.downloadsDir) with one SHA256SUMS over them all.
 */
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ARTIFACTS, buildCommandFor } from "../infra/artifacts.js";
import { writeChecksums } from "../services/cli/scripts/build-artifacts.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The built files of one package's artifacts directory (its own SHA256SUMS left out: the merged one replaces it). */
async function builtFiles(dir: string): Promise<string[]> {
  const files = await readdir(join(root, dir)).catch(() => []);
  const built = files.filter((f) => f !== "SHA256SUMS");
  if (built.length === 0) throw new Error(`${dir} has no artifacts: build them with \`${buildCommandFor(dir)}\``);
  return built;
}

export async function buildDownloads(outDir = join(root, ARTIFACTS.downloadsDir)): Promise<string[]> {
  const sources = [ARTIFACTS.cliArtifactsDir, ARTIFACTS.cliPyArtifactsDir];
  const plan = await Promise.all(sources.map(async (dir) => ({ dir, files: await builtFiles(dir) })));
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const { dir, files } of plan) for (const f of files) await copyFile(join(root, dir, f), join(outDir, f));
  await writeChecksums(outDir);
  return (await readdir(outDir)).sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDownloads().then(
    (files) => console.log(`${ARTIFACTS.downloadsDir}/: ${files.join(", ")}`),
    (err: unknown) => {
      console.error(`build:downloads failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
