import { usageError } from "./errors.js";

export const DEFAULT_API_URL = "http://localhost:3000";

/** Where the panel URL came from, for messages ("set by IRON_API_URL"). */
export type ApiUrlSource = "--api-url" | "IRON_API_URL" | "config file" | "default";

export interface ResolvedApiUrl {
  url: string;
  source: ApiUrlSource;
}

/** An http(s) URL without a trailing slash, query or fragment; throws a usage error naming `what` otherwise. */
export function normalizeApiUrl(input: string, what: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw usageError(`${what} "${input}" is not a URL`, "give the panel's address, e.g. http://localhost:3000 or https://panel.example.com");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`${what} "${input}" is not an http or https URL`, "give the panel's address, e.g. http://localhost:3000 or https://panel.example.com");
  }
  if (url.username || url.password || url.search || url.hash) {
    throw usageError(`${what} "${input}" must not carry credentials, a query or a fragment`, "give only scheme, host, port and (optionally) a base path");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** `--api-url` > `IRON_API_URL` > `api_url` in the config file > http://localhost:3000. */
export function resolveApiUrl(flag: string | undefined, env: string | undefined, configured: string | undefined): ResolvedApiUrl {
  if (flag) return { url: normalizeApiUrl(flag, "--api-url"), source: "--api-url" };
  if (env) return { url: normalizeApiUrl(env, "IRON_API_URL"), source: "IRON_API_URL" };
  if (configured) return { url: normalizeApiUrl(configured, "api_url in ~/.iron/config.json"), source: "config file" };
  return { url: DEFAULT_API_URL, source: "default" };
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Credentials may go over plain http only to this machine, unless the user said `--insecure`. */
export function assertSafeForCredentials(apiUrl: string, insecure: boolean): void {
  const url = new URL(apiUrl);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !insecure) {
    throw usageError(
      `refusing to send credentials over plain http to ${apiUrl}: anyone on the network could read them`,
      "use the panel's https:// URL, or pass --insecure if this network is trusted",
    );
  }
}
