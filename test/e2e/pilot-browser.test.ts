import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../services/cli/scripts/build-artifacts.js";
import { chromiumMissing, launchBrowser, type Browser } from "../support/browser.js";
import { startFakeLlm, type FakeLlm } from "../support/fake-llm.js";
import { pilotGone, pilotPorts, startPilot, stopLeftoversOn, type RunningPilot } from "../support/pilot-process.js";
import { stopAll } from "../support/processes.js";

/**
 * The parts people look at, in a real headless chromium against a real pilot: the Marketing Site with its
 * downloads, and the Control Panel's dashboard (sign in, create a token, a live telemetry event).
 */
describe.skipIf(chromiumMissing)(`the pilot in a browser${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ""}`, () => {
  let work: string;
  let artifactsDir: string;
  let fake: FakeLlm;
  let pilot: RunningPilot;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "iron-pilot-browser-"));
    await chmod(work, 0o755);
    artifactsDir = join(work, "artifacts");
    fake = await startFakeLlm();
    await buildArtifacts(artifactsDir);
    pilot = await startPilot(join(work, "data"), await pilotPorts(), { IRON_OPENAI_BASE_URL: fake.openaiBaseUrl, IRON_PILOT_DOWNLOADS_DIR: artifactsDir });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stopAll();
    if (pilot) await pilotGone(pilot);
    if (work) await stopLeftoversOn(work); // a pilot that failed to start may have left its PostgreSQL
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true, maxRetries: 10 });
  });

  it("the landing page renders and the downloads page lists the CLI artifacts with their SHA-256", async () => {
    const { page } = browser;
    const problems: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    await page.goto(`${pilot.siteUrl}/`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain("budget");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).toEqual(["Home", "How it works", "Downloads", "Docs"]);
    // /settings.json (written by the pilot) points "Sign in" at this pilot's panel.
    await expect.poll(() => page.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe(`${pilot.panelUrl}/`);
    await browser.screenshot("site-landing");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "How it works" }).click();
    expect(await page.getByRole("heading", { level: 3 }).allTextContents()).toEqual(["Full Platform", "Agent-Only", "Control Panel + CLIs", "Sandbox-Only"]);
    await browser.screenshot("site-how-it-works");

    await page.goto(`${pilot.siteUrl}/downloads.html`);
    const sums = (await readFile(join(artifactsDir, "SHA256SUMS"), "utf8")).trim().split("\n").map((l) => l.split(/\s+/));
    const rows = page.locator("table.artifacts tbody tr");
    expect(await rows.count()).toBe(sums.length);
    for (const [sha, name] of sums) {
      const row = rows.filter({ hasText: name! });
      await expect.poll(() => row.locator("code.sha").textContent()).toBe(sha);
      // The link downloads the very file.
      const href = await row.getByRole("link").getAttribute("href");
      const res = await fetch(new URL(href!, pilot.siteUrl));
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).length).toBe((await readFile(join(artifactsDir, name!))).length);
    }
    await browser.screenshot("site-downloads");
    expect(problems).toEqual([]);
  });

  it("the dashboard: sign in, create a token, and a telemetry event appears in the live feed without reloading", async () => {
    const { page } = browser;
    const problems: string[] = [];
    // The wrong password's 401 is logged by chromium as a failed resource; anything else is a problem.
    page.on("console", (m) => void (m.type() === "error" && !/status of 401/.test(m.text()) && problems.push(m.text())));
    page.on("pageerror", (e) => problems.push(e.message));
    // The dashboard keeps the panel's CSP strict (its own files only, no inline script); the API keeps `default-src 'none'`.
    const csp = (await fetch(`${pilot.panelUrl}/`)).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect((await fetch(`${pilot.panelUrl}/healthz`)).headers.get("content-security-policy")).toContain("default-src 'none'");
    await page.goto(`${pilot.panelUrl}/`);
    await page.getByLabel("Email").fill(pilot.admin!.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/invalid|incorrect|wrong/i);
    expect(await page.locator("#app").isHidden()).toBe(true);
    await browser.screenshot("dashboard-sign-in-refused");
    await page.getByLabel("Password").fill(pilot.admin!.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("#feed-status").textContent()).toBe("live");
    // The pilot's own runtime token is listed with its budget.
    await expect.poll(() => page.locator("#tokens tbody tr").filter({ hasText: "pilot-agent" }).locator("td").allTextContents()).toContain("$10.00");

    await page.getByLabel("Name").fill("browser token");
    await page.getByLabel("Agent id").fill("browser-agent");
    await page.getByLabel("Budget (USD)").fill("2.5");
    await page.getByRole("button", { name: "Create token" }).click();
    await expect.poll(() => page.locator("#new-token-value").inputValue()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    const row = page.locator("#tokens tbody tr").filter({ hasText: "browser-agent" });
    await expect.poll(() => row.locator("td").allTextContents()).toEqual(["browser token", "browser-agent", "$2.50", "$0.00", "$2.50", "active", expect.any(String)]);
    await browser.screenshot("dashboard-token-created");

    // One call through the pilot's runtime proxy: its telemetry reaches the open page over SSE.
    const marker = await page.evaluate(() => (globalThis as unknown as { performance: { timeOrigin: number } }).performance.timeOrigin);
    fake.usage = { input: 2000, cached: 0, cacheWrite: 0, output: 400 };
    const call = await fetch(`${pilot.runtimeUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: 500 }),
    });
    expect(call.status).toBe(200);
    const event = page.locator("#feed li").filter({ hasText: "pilot-agent" });
    await expect.poll(() => event.count(), { timeout: 20_000 }).toBe(1);
    expect(await event.locator(".model").textContent()).toBe("openai/gpt-4o-mini");
    // No reload happened: the page is the same document.
    expect(await page.evaluate(() => (globalThis as unknown as { performance: { timeOrigin: number } }).performance.timeOrigin)).toBe(marker);
    // The chart and the totals follow (refreshed after the event).
    await expect.poll(() => page.locator("#by-agent tbody tr").filter({ hasText: "pilot-agent" }).count()).toBe(1);
    await expect.poll(() => page.locator("#chart svg rect").count()).toBeGreaterThan(0);
    await browser.screenshot("dashboard-live-event");

    await page.getByRole("button", { name: "By model" }).click();
    await expect.poll(() => page.locator("#chart .legend li").allTextContents()).toEqual(["openai/gpt-4o-mini"]);
    await page.setViewportSize({ width: 390, height: 844 });
    await browser.screenshot("dashboard-mobile");
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(problems).toEqual([]);
  });

  it("the dashboard's live feed shows the newest events on first load, before any new one arrives", async () => {
    const { page } = browser;
    for (let i = 0; i < 2; i++) {
      const call = await fetch(`${pilot.runtimeUrl}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: `call ${i}` }], max_tokens: 50 }),
      });
      expect(call.status).toBe(200);
    }
    const events = page.locator("#feed li").filter({ hasText: "pilot-agent" });
    await expect.poll(() => events.count(), { timeout: 20_000 }).toBe(3);
    // A new document (the tab keeps its session): no event arrives after it loads, yet the three are there.
    await page.reload();
    await expect.poll(() => page.locator("#feed-status").textContent()).toBe("live");
    await expect.poll(() => events.count()).toBe(3);
    expect(await page.locator("#feed-empty").isHidden()).toBe(true);
    const times = await events.locator("time").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("datetime") ?? ""));
    expect(times).toEqual([...times].sort().reverse()); // newest first
    await browser.screenshot("dashboard-first-load");
  });
});
