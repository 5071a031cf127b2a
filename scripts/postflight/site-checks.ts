/** The Marketing Site and `/downloads/`: the site answers, and every download matches SHA256SUMS. */
import { createHash } from "node:crypto";
import type { Check } from "../preflight/checks.js";
import { logsOf, type Deployment } from "./deployment.js";
import { bytes, request } from "./http.js";

export async function siteCheck(d: Deployment, url: string): Promise<Check> {
  const title = "Marketing Site";
  const required = "GET / answers 200 with HTML";
  try {
    const answer = await request("GET", `${url}/`);
    if (answer.status === 200 && /<html/i.test(answer.text)) return { id: "site", title, status: "ok", found: `${url}/: 200, ${answer.text.length} bytes of HTML`, required };
    return { id: "site", title, status: "fail", found: `${url}/: ${answer.status}`, required, hint: "the web server answers without the site: was services/marketing-site built (npm run build -w services/marketing-site) before pulumi up?" };
  } catch (err) {
    return { id: "site", title, status: "fail", found: (err as Error).message, required, hint: `nothing answers at ${url}: ${d.target === "aws" ? "the CloudFront distribution's status" : logsOf(d, "marketing-site")}` };
  }
}

/** `<sha256>  <name>` lines, as scripts/build-downloads.ts writes them. */
export function parseChecksums(text: string): { name: string; sha256: string }[] {
  return text.split("\n").map((l) => /^([0-9a-f]{64}) [ *](.+)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null).map((m) => ({ sha256: m[1]!, name: m[2]! }));
}

export async function downloadsCheck(downloadsUrl: string): Promise<Check> {
  const base = downloadsUrl.endsWith("/") ? downloadsUrl : `${downloadsUrl}/`;
  const title = "downloads match SHA256SUMS";
  const required = "every file SHA256SUMS lists downloads with that checksum";
  let sums: { name: string; sha256: string }[];
  try {
    sums = parseChecksums((await bytes(`${base}SHA256SUMS`)).toString("utf8"));
  } catch (err) {
    return { id: "downloads", title, status: "fail", found: (err as Error).message, required, hint: "no SHA256SUMS under /downloads/: build the artifacts (npm run build:artifacts) and pulumi up again" };
  }
  if (sums.length === 0) return { id: "downloads", title, status: "fail", found: `${base}SHA256SUMS lists no file`, required, hint: "rebuild the downloads (npm run build:downloads) and pulumi up again" };
  const bad: string[] = [];
  for (const { name, sha256 } of sums) {
    try {
      const actual = createHash("sha256").update(await bytes(`${base}${encodeURIComponent(name)}`)).digest("hex");
      if (actual !== sha256) bad.push(`${name} has sha256 ${actual.slice(0, 12)}…, SHA256SUMS says ${sha256.slice(0, 12)}…`);
    } catch (err) {
      bad.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (bad.length === 0) return { id: "downloads", title, status: "ok", found: `${sums.length} files under ${base} match`, required };
  return {
    id: "downloads", title, status: "fail", found: bad.join("; "), required,
    hint: "what is served differs from what was built: a stale or altered file on the host or CDN; rebuild (npm run build:downloads), pulumi up, and find out who changed it",
  };
}
