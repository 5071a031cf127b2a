/**
 * The files a static site uploads, enumerated from built directories at
 * program time, each with its content type and cache policy.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildCommandFor } from "../../artifacts.js";

export interface SiteFile {
  /** Object key in the bucket (also the URL path). */
  key: string;
  /** Absolute path on this machine. */
  path: string;
  contentType: string;
  cacheControl: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".tgz": "application/gzip",
  ".gz": "application/gzip",
  ".whl": "application/zip",
  ".zip": "application/zip",
  ".sha256": "text/plain; charset=utf-8",
};
/** Extensionless names that are text (checksum lists). */
const TEXT_NAMES = new Set(["SHA256SUMS", "LICENSE", "README"]);

/** Pages and settings: always revalidated, so a deploy shows at once. */
export const REVALIDATE = "public, max-age=0, must-revalidate";
/** Fingerprinted assets (name carries a content hash): cached for a year. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Downloads keep stable names across releases: cached briefly. */
export const DOWNLOAD = "public, max-age=300";

export function contentTypeOf(name: string): string {
  const base = posix.basename(name);
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return TEXT_NAMES.has(base) ? "text/plain; charset=utf-8" : "application/octet-stream";
  return CONTENT_TYPES[base.slice(dot).toLowerCase()] ?? "application/octet-stream";
}

/** A name like app.3f9c2b1a.js or index-BX8dKq2a.css: a bundler's content hash (8+ chars with a digit) before the extension. */
export function isFingerprinted(name: string): boolean {
  const hash = /[.-]([A-Za-z0-9_]{8,})\.[a-z0-9]+$/.exec(posix.basename(name))?.[1];
  return !!hash && /\d/.test(hash);
}

function cacheControlOf(key: string, isDownload: boolean): string {
  if (isDownload) return DOWNLOAD;
  return isFingerprinted(key) ? IMMUTABLE : REVALIDATE;
}

/**
 * Every file under `dir` (repo-relative), keyed under `prefix` ("" for the
 * site, "downloads/" for artifacts). A missing or empty directory is an error
 * naming the command that builds it.
 */
export function siteFiles(root: string, dir: string, prefix: string): SiteFile[] {
  const absolute = join(root, dir);
  const paths = existsSync(absolute) ? walk(absolute) : [];
  if (paths.length === 0) {
    throw new pulumi.RunError(`${dir} is ${existsSync(absolute) ? "empty" : "missing"}: build it with \`${buildCommandFor(dir)}\`, then run pulumi up again`);
  }
  return paths.map((path) => {
    const key = prefix + relative(absolute, path).split(/[\\/]/).join("/");
    return { key, path, contentType: contentTypeOf(key), cacheControl: cacheControlOf(key, prefix !== "") };
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
