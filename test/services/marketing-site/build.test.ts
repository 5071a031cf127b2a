import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRATEGIES, PACKAGES } from "../../../infra/catalog.js";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "../../..");

/** `npm run build -w services/marketing-site -- <flags>` as an operator runs it. */
async function build(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run("npm", ["run", "--silent", "build", "-w", "services/marketing-site", "--", ...args], { cwd: REPO, env: { ...process.env, ...env } });
  return stdout;
}

describe("the Marketing Site build", () => {
  let work: string;
  let artifacts: string;
  let sums: { name: string; sha: string }[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "iron-site-"));
    artifacts = join(work, "artifacts");
    await mkdir(artifacts);
    sums = [];
    for (const [name, content] of [["iron-linux-x64", "binary"], ["iron.cjs", "bundle"]] as const) {
      await writeFile(join(artifacts, name), content);
      sums.push({ name, sha: createHash("sha256").update(content).digest("hex") });
    }
    await writeFile(join(artifacts, "SHA256SUMS"), sums.map((s) => `${s.sha}  ${s.name}\n`).join(""));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("writes the four pages and the assets with the build-time settings from flags and environment", async () => {
    const out = join(work, "flags");
    const printed = await build(["--out", out, "--artifacts", artifacts, "--sign-in-url", "https://panel.example.com/", "--downloads-url", "https://dl.example.com/iron"], { IRON_SITE_VERSION: "9.8.7" });
    expect(printed).toContain("4 pages");
    expect((await readdir(out)).sort()).toEqual(["assets", "docs.html", "downloads.html", "how-it-works.html", "index.html"]);
    expect((await readdir(join(out, "assets"))).sort()).toEqual(["flow.svg", "logo.svg", "site.css", "site.js"]);
    const index = await readFile(join(out, "index.html"), "utf8");
    expect(index).toContain('href="https://panel.example.com/"');
    expect(index).toContain("9.8.7");
    const downloads = await readFile(join(out, "downloads.html"), "utf8");
    for (const { name, sha } of sums) {
      expect(downloads).toContain(`href="https://dl.example.com/iron/${name}"`);
      expect(downloads).toContain(sha);
    }
  });

  it("describes the four strategies with the packages the catalog gives each", async () => {
    const out = join(work, "strategies");
    await build(["--out", out, "--artifacts", artifacts]);
    const page = await readFile(join(out, "how-it-works.html"), "utf8");
    for (const s of Object.values(STRATEGIES)) {
      const section = page.slice(page.indexOf(`id="strategy-${s.id}"`));
      const card = section.slice(0, section.indexOf("</article>"));
      expect(card).toContain(s.title);
      expect(card).toContain(`<code>${s.stack}</code>`);
      for (const id of [...s.packages, ...s.optional]) expect(card).toContain(`<strong>${PACKAGES[id].name}</strong>`);
      const listed = card.match(/<strong>/g)?.length;
      expect(listed).toBe(s.packages.length + s.optional.length);
    }
  });

  it("says so when the CLI artifacts are not built", async () => {
    const out = join(work, "unbuilt");
    const printed = await build(["--out", out, "--artifacts", join(work, "nothing-here")]);
    expect(printed).toContain("CLI artifacts not built");
    const page = await readFile(join(out, "downloads.html"), "utf8");
    expect(page).toContain("not built on this server yet");
    expect(page).toContain("npm run build:artifacts</code>");
    expect(page).not.toContain("<table");
  });

  it("is accessible and self-contained: landmarks, language, titles, alt text, labelled navigation, no other origin loaded", async () => {
    const out = join(work, "a11y");
    await build(["--out", out, "--artifacts", artifacts]);
    for (const file of ["index.html", "how-it-works.html", "downloads.html", "docs.html"]) {
      const html = await readFile(join(out, file), "utf8");
      expect(html, file).toMatch(/<html lang="en">/);
      expect(html, file).toMatch(/<title>[^<]+<\/title>/);
      expect(html, file).toContain('<main id="main">');
      expect(html, file).toContain("<header");
      expect(html, file).toContain("<footer");
      expect(html, file).toContain('<nav aria-label="Main">');
      expect(html.match(/<h1[ >]/g)?.length, file).toBe(1);
      for (const img of html.match(/<img [^>]*>/g) ?? []) expect(img, file).toMatch(/ alt="/);
      // Scripts, styles and images come from this site only (deployments may be offline).
      for (const ref of html.match(/(?:src|href)="[^"]*"/g) ?? []) {
        if (/^(src|href)="https?:/.test(ref)) expect(ref, file).not.toMatch(/\.(js|css|svg|png|woff2?)"/);
      }
      expect(html, file).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
      expect(html, file).not.toMatch(/ style="/);
    }
  });
});
