import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildSite, describeStrategies, readArtifacts } from "@iron/marketing-site";
import { PACKAGES, STRATEGIES } from "../../infra/catalog.js";

/**
 * Builds the Marketing Site into `siteDir` for this pilot, with a /settings.json that points at its
 * panel, as the docker target does. The CLI artifacts are listed when they are built.
 */
export async function buildPilotSite(siteDir: string, artifactsDir: string, panelUrl: string, version: string): Promise<{ artifacts: number | undefined }> {
  const artifacts = await readArtifacts(artifactsDir);
  const settings = { controlPanelUrl: panelUrl, signInUrl: `${panelUrl}/`, downloadsUrl: "/downloads/" };
  await buildSite(siteDir, { settings: { ...settings, version }, strategies: describeStrategies(STRATEGIES, PACKAGES), artifacts });
  await writeFile(join(siteDir, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`);
  return { artifacts: artifacts?.length };
}
