import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".tgz": "application/gzip",
};

/** The same headers nginx sends in the docker target, plus a CSP: the site loads only its own files. */
const HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "referrer-policy": "no-referrer",
};

export interface SiteServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The Marketing Site as the docker target's nginx serves it: files of `siteDir` (`/x` also finds `/x.html`),
 * `/downloads/` from `downloadsDir` with an index, and `/healthz`.
 */
export async function startSiteServer(siteDir: string, downloadsDir: string, port: number, host = "127.0.0.1"): Promise<SiteServer> {
  const server: Server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/");
    } catch {
      return send(res, 400, "text/plain; charset=utf-8", "bad request\n");
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
    if (path === "/healthz") return send(res, 200, "text/plain; charset=utf-8", "ok\n");
    const serve = path.startsWith("/downloads/") ? serveDownloads(downloadsDir, path.slice("/downloads/".length), res) : serveSite(siteDir, path, res);
    serve.catch(() => send(res, 500, "text/plain; charset=utf-8", "internal error\n"));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** `path` inside `root`, or undefined when it would leave it. */
function inside(root: string, path: string): string | undefined {
  const full = normalize(join(root, path));
  return full === root || full.startsWith(root + sep) ? full : undefined;
}

async function fileAt(path: string | undefined): Promise<{ path: string; size: number } | undefined> {
  if (!path) return undefined;
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? { path, size: info.size } : undefined;
}

async function serveSite(root: string, path: string, res: ServerResponse): Promise<void> {
  const base = inside(root, path);
  const file = (await fileAt(base)) ?? (await fileAt(base && join(base, "index.html"))) ?? (await fileAt(base && `${base}.html`));
  if (!file) return send(res, 404, "text/html; charset=utf-8", "<!doctype html><title>Not found</title><p>Not found. <a href=\"/\">Home</a></p>\n");
  const cache = path === "/settings.json" ? "no-cache" : "public, max-age=60";
  res.writeHead(200, { ...HEADERS, "content-type": TYPES[extname(file.path)] ?? "application/octet-stream", "content-length": file.size, "cache-control": cache });
  createReadStream(file.path).pipe(res);
}

async function serveDownloads(root: string, name: string, res: ServerResponse): Promise<void> {
  if (name === "") {
    const names = await readdir(root).catch(() => [] as string[]);
    const items = names.map((n) => `<li><a href="${encodeURIComponent(n)}">${n.replace(/[<&"]/g, "")}</a></li>`).join("\n");
    const body = `<!doctype html><html lang="en"><title>Downloads</title><main><h1>Downloads</h1><ul>\n${items || "<li>nothing built yet: npm run build:artifacts</li>"}\n</ul></main></html>\n`;
    return send(res, 200, "text/html; charset=utf-8", body);
  }
  const file = await fileAt(name.includes("/") ? undefined : inside(root, name));
  if (!file) return send(res, 404, "text/plain; charset=utf-8", "no such download\n");
  res.writeHead(200, {
    ...HEADERS,
    "content-type": TYPES[extname(file.path)] ?? "application/octet-stream",
    "content-length": file.size,
    "content-disposition": `attachment; filename="${name}"`,
  });
  createReadStream(file.path).pipe(res);
}
