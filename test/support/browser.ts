import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's chromium (apt-get install chromium); playwright never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: apt-get install -y chromium (CI installs it)`;

/** test-results/ at the repository root (gitignored): screenshots are kept there as test artifacts. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../test-results");

export interface Browser {
  context: BrowserContext;
  page: Page;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Headless chromium with a fresh profile and everything that would reach the internet turned off
 * (as root it also needs --no-sandbox).
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "iron-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await mkdir(RESULTS_DIR, { recursive: true });
  return {
    context,
    page,
    async screenshot(name) {
      const path = join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      // chromium's helpers (crashpad) may still be writing to the profile after the browser exits.
      await rm(profile, { recursive: true, force: true, maxRetries: 10 });
    },
  };
}
