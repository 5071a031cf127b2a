// Bundles the CLI into one CommonJS file with no dependencies: dist/iron.cjs. It is the npm bin (via bin/iron.cjs),
// the file in the npm tarball, and the script inside the single executable (Node SEA runs CommonJS only).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/**
 * zod re-exports all of its ~50 message locales as a namespace (`z.locales`), which the bundle cannot shake off:
 * 260 KB that every start of `iron` would parse. iron uses only English, which zod configures from `locales/en.js`
 * itself, so the namespace is replaced by one holding English alone.
 */
const englishOnlyZodLocales = {
  name: "english-only-zod-locales",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join("node_modules", "zod")}`) ? { path: join(dirname(args.importer), "..", "locales", "en.js"), namespace: "zod-locales" } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

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
    plugins: [englishOnlyZodLocales],
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle(process.argv[2]);
