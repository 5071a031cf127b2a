/**
 * Builds the Marketing Site to dist/ (or --out). Build-time settings come from flags or environment;
 * a deployment may override them at run time with /settings.json (the docker target writes one).
 * The strategies come from the deployment catalog, the downloads from the CLI's SHA256SUMS.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { PACKAGES, STRATEGIES } from "../../../infra/catalog.js";
import { buildSite, describeStrategies, readArtifacts } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..", "..");
const env = process.env;
const pkg = JSON.parse(await readFile(join(here, "..", "package.json"), "utf8")) as { version: string };

const program = new Command("build")
  .description("Build the Iron Cage Marketing Site (static files)")
  .option("--out <dir>", "output directory", join(here, "..", "dist"))
  .option("--sign-in-url <url>", "the Control Panel dashboard (IRON_SITE_SIGN_IN_URL)", env.IRON_SITE_SIGN_IN_URL)
  .option("--control-panel-url <url>", "the Control Panel API, shown in the docs (IRON_SITE_CONTROL_PANEL_URL)", env.IRON_SITE_CONTROL_PANEL_URL)
  .option("--downloads-url <url>", "base URL of the CLI artifacts (IRON_SITE_DOWNLOADS_URL)", env.IRON_SITE_DOWNLOADS_URL || "/downloads/")
  .option("--docs-url <url>", "full documentation, if published (IRON_SITE_DOCS_URL)", env.IRON_SITE_DOCS_URL)
  .option("--site-version <version>", "version shown on the site (IRON_SITE_VERSION)", env.IRON_SITE_VERSION || pkg.version)
  .option("--artifacts <dir>", "the downloads (both CLIs' artifacts) with SHA256SUMS", join(root, "dist/downloads"))
  .parse();
const o = program.opts<{ out: string; signInUrl?: string; controlPanelUrl?: string; downloadsUrl: string; docsUrl?: string; siteVersion: string; artifacts: string }>();

const artifacts = await readArtifacts(o.artifacts);
const pages = await buildSite(resolve(o.out), {
  settings: {
    signInUrl: o.signInUrl,
    controlPanelUrl: o.controlPanelUrl,
    downloadsUrl: o.downloadsUrl.endsWith("/") ? o.downloadsUrl : `${o.downloadsUrl}/`,
    docsUrl: o.docsUrl,
    version: o.siteVersion,
  },
  strategies: describeStrategies(STRATEGIES, PACKAGES),
  artifacts,
});
console.log(`marketing site: ${pages.length} pages in ${resolve(o.out)}; ${artifacts ? `${artifacts.length} CLI artifacts listed` : "CLI artifacts not built (the downloads page says so)"}`);
