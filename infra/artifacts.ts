/**
 * Where the kit's built artifacts are, relative to the repository root, and the
 * command that produces each, so a target that uploads them can say what to run
 * when one is missing.
 */
export const ARTIFACTS = {
  siteDir: "services/marketing-site/dist",
  /** What the site serves under /downloads/: both CLIs' artifacts and one SHA256SUMS (made from the two below). */
  downloadsDir: "dist/downloads",
  cliArtifactsDir: "services/cli/dist/artifacts",
  cliPyArtifactsDir: "services/cli-py/dist/artifacts",
  sandboxBootstrap: "services/sandbox/node/bootstrap.sh",
  /** Holds iron-sandbox-<version>-linux-<arch>.tar.gz and its .sha256. */
  sandboxTarballDir: "services/sandbox/dist",
} as const;

const BUILD_COMMANDS: Record<string, string> = {
  [ARTIFACTS.siteDir]: "npm run build -w services/marketing-site",
  [ARTIFACTS.downloadsDir]: "npm run build:artifacts",
  [ARTIFACTS.cliArtifactsDir]: "npm run build:artifacts -w services/cli",
  [ARTIFACTS.cliPyArtifactsDir]: "sh services/cli-py/build.sh",
  [ARTIFACTS.sandboxTarballDir]: "npm run build:artifact -w services/sandbox",
};

/** The command that builds `dir` (repo-relative), or the workspace build of the package that holds it. */
export function buildCommandFor(dir: string): string {
  const known = BUILD_COMMANDS[dir];
  if (known) return known;
  const workspace = /^services\/[^/]+/.exec(dir)?.[0];
  return workspace ? `npm run build -w ${workspace}` : "npm run build";
}
