// Bundles the CLI into one CommonJS file with no dependencies: dist/iron.cjs. It is the npm bin (via bin/iron.cjs),
// the file in the npm tarball, and the script inside the single executable (Node SEA runs CommonJS only).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

export async function bundle(outfile = join(root, "dist", "iron.cjs")) {
  await build({
    entryPoints: [join(root, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // Workspace packages from their TypeScript sources, like the tests.
    conditions: ["iron-source"],
    define: { IRON_CLI_VERSION: JSON.stringify(version) },
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(process.argv[2]);
