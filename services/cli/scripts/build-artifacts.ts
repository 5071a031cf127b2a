// postject ships no types; the declaration beside this file must load wherever this file is compiled (here and the bench).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./postject.d.ts" />
/**
 * `npm run build:artifacts -w services/cli`: from the bundle `dist/iron.cjs` (made by `npm run build`), writes to
 * `dist/artifacts/`:
 *   iron.cjs              the single-file bundle (runs on any Node ≥ 20: `node iron.cjs`)
 *   iron-linux-x64        a single executable: this machine's node binary with the bundle injected (Node SEA)
 *   iron-cli-<v>.tgz      the npm package (`npm install -g ./iron-cli-<v>.tgz`; no dependencies)
 *   SHA256SUMS            `sha256sum -c SHA256SUMS` checks the three
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "postject";

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUNDLE = join(PACKAGE_DIR, "dist", "iron.cjs");
export const ARTIFACTS_DIR = join(PACKAGE_DIR, "dist", "artifacts");
/** The fuse node's own binary carries; postject flips it to tell node a blob is injected. */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
export const SEA_NAME = `iron-${process.platform}-${process.arch}`;

/** Builds a Node single executable application from `bundle` at `output`, with this node's binary. */
export async function buildSea(bundle: string, output: string): Promise<void> {
  if (process.platform !== "linux") throw new Error(`single executables are built on linux here, not ${process.platform}`);
  const work = `${output}.sea-work`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const blob = join(work, "sea-prep.blob");
    const config = { main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true };
    await writeFile(join(work, "sea-config.json"), JSON.stringify(config));
    execFileSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], { stdio: "pipe" });
    await rm(output, { force: true });
    await copyFile(process.execPath, output);
    await chmod(output, 0o755);
    await inject(output, "NODE_SEA_BLOB", await readFile(blob), { sentinelFuse: SEA_FUSE });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `npm pack` of services/cli into `outDir`; returns the tarball's file name. */
export function packTarball(outDir: string): string {
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", outDir], { cwd: PACKAGE_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [info] = JSON.parse(out) as { filename: string }[];
  if (!info) throw new Error(`npm pack printed no file: ${out}`);
  return info.filename;
}

/** Writes SHA256SUMS (the `sha256sum` format) for every other file in `dir`. */
export async function writeChecksums(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f !== "SHA256SUMS").sort();
  const lines = await Promise.all(files.map(async (f) => `${createHash("sha256").update(await readFile(join(dir, f))).digest("hex")}  ${f}`));
  const path = join(dir, "SHA256SUMS");
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

export async function buildArtifacts(outDir = ARTIFACTS_DIR): Promise<string[]> {
  try {
    await readFile(BUNDLE);
  } catch {
    throw new Error(`${BUNDLE} is missing: run \`npm run build -w services/cli\` first`);
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await copyFile(BUNDLE, join(outDir, "iron.cjs"));
  await buildSea(BUNDLE, join(outDir, SEA_NAME));
  packTarball(outDir);
  await writeChecksums(outDir);
  return (await readdir(outDir)).sort().map((f) => join(outDir, f));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await buildArtifacts(process.argv[2]);
  for (const f of files) process.stdout.write(`${f}\n`);
}
