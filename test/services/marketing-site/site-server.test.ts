import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSiteServer, type SiteServer } from "../../../scripts/pilot/site-server.js";
import { freePort } from "../../support/ports.js";

/** A raw GET, so paths like `/../x` reach the server as written (fetch would normalise them). */
function get(base: string, path: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The pilot's static server for the site and /downloads, as the docker target's nginx serves them. */
describe("the pilot's site server", () => {
  let work: string;
  let server: SiteServer;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "iron-site-server-"));
    await mkdir(join(work, "site", "assets"), { recursive: true });
    await mkdir(join(work, "downloads"));
    await writeFile(join(work, "site", "index.html"), "<h1>home</h1>");
    await writeFile(join(work, "site", "downloads.html"), "<h1>downloads page</h1>");
    await writeFile(join(work, "site", "settings.json"), "{}");
    await writeFile(join(work, "secret.txt"), "outside");
    await writeFile(join(work, "downloads", "iron.cjs"), "bundle");
    server = await startSiteServer(join(work, "site"), join(work, "downloads"), await freePort());
  });

  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("serves pages (with and without .html), /healthz, /settings.json uncached, and a CSP", async () => {
    const home = await get(server.url, "/");
    expect(home).toMatchObject({ status: 200, body: "<h1>home</h1>" });
    expect(home.headers["content-security-policy"]).toContain("default-src 'self'");
    expect((await get(server.url, "/downloads")).body).toBe("<h1>downloads page</h1>");
    expect((await get(server.url, "/healthz")).status).toBe(200);
    expect((await get(server.url, "/settings.json")).headers["cache-control"]).toBe("no-cache");
    expect((await get(server.url, "/nope")).status).toBe(404);
  });

  it("lists and serves the downloads as attachments", async () => {
    const index = await get(server.url, "/downloads/");
    expect(index.body).toContain('<a href="iron.cjs">iron.cjs</a>');
    const file = await get(server.url, "/downloads/iron.cjs");
    expect(file).toMatchObject({ status: 200, body: "bundle" });
    expect(file.headers["content-disposition"]).toBe('attachment; filename="iron.cjs"');
  });

  it("never serves a file outside its directories and survives malformed paths", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/downloads/..%2Fsecret.txt", "/downloads/../secret.txt", "/assets/../../secret.txt"]) {
      const res = await get(server.url, path);
      expect(res.body, path).not.toContain("outside");
      expect(res.status, path).toBe(404);
    }
    expect((await get(server.url, "/%E0%A4%A")).status).toBe(400);
    expect((await get(server.url, "/")).status).toBe(200);
  });
});
