import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { docs } from "./pages/docs.js";
import { downloads } from "./pages/downloads.js";
import { howItWorks } from "./pages/how-it-works.js";
import { landing } from "./pages/landing.js";
import { layout, PAGES } from "./pages/layout.js";
import type { SiteInput } from "./types.js";

export { readArtifacts } from "./artifacts.js";
export { describeStrategies } from "./catalog.js";
export type { Artifact, PackageInfo, SiteInput, SiteSettings, StrategyInfo } from "./types.js";

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), "..", "assets");

const RENDER: Record<string, (input: SiteInput) => string> = {
  "index.html": landing,
  "how-it-works.html": howItWorks,
  "downloads.html": downloads,
  "docs.html": docs,
};

/** Writes the whole static site to `outDir` (emptied first): the pages and /assets. */
export async function buildSite(outDir: string, input: SiteInput): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await cp(ASSETS, join(outDir, "assets"), { recursive: true });
  for (const page of PAGES) {
    const render = RENDER[page.file]!;
    await writeFile(join(outDir, page.file), layout(page, input.settings, render(input)));
  }
  return PAGES.map((p) => p.file);
}
