import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSite } from "@iron/marketing-site";
import { startSiteServer, type SiteServer } from "../../../scripts/pilot/site-server.js";
import { chromiumMissing, launchBrowser, type Browser } from "../../support/browser.js";
import { freePort } from "../../support/ports.js";

/** A deployment's /settings.json (the docker target writes one) wins over the values the site was built with. */
describe.skipIf(chromiumMissing)(`the Marketing Site's run-time settings${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ""}`, () => {
  let work: string;
  let server: SiteServer;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "iron-site-settings-"));
    const site = join(work, "site");
    await buildSite(site, {
      settings: { signInUrl: "https://built.example/", downloadsUrl: "/downloads/", version: "1.2.3" },
      strategies: [],
      artifacts: [{ name: "iron.cjs", sha256: "a".repeat(64), size: 10 }],
    });
    await writeFile(join(site, "settings.json"), JSON.stringify({ controlPanelUrl: "https://panel.deployed.example", signInUrl: "https://panel.deployed.example/", downloadsUrl: "https://dl.deployed.example/cli/" }));
    await mkdir(join(work, "downloads"));
    server = await startSiteServer(site, join(work, "downloads"), await freePort());
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("replaces the sign-in and download links from /settings.json", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/downloads.html`);
    await expect.poll(() => page.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("https://panel.deployed.example/");
    expect(await page.getByRole("link", { name: "iron.cjs" }).getAttribute("href")).toBe("https://dl.deployed.example/cli/iron.cjs");
    await page.goto(`${server.url}/docs.html`);
    await expect.poll(() => page.locator("[data-setting-text=controlPanelUrl]").textContent()).toBe("https://panel.deployed.example");
  });

  it("keeps the built values when there is no /settings.json", async () => {
    await rm(join(work, "site", "settings.json"));
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForLoadState("networkidle");
    expect(await page.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("https://built.example/");
  });
});
