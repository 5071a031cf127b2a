/** The LLM endpoints the runtime prices. Anything else is refused: an unpriced call could spend money unseen. */
export type Provider = "openai" | "anthropic";
export type Endpoint = "chat.completions" | "responses" | "embeddings" | "messages";

export interface EndpointRoute {
  provider: Provider;
  endpoint: Endpoint;
}

const BY_SUFFIX: ReadonlyArray<readonly [string, EndpointRoute]> = [
  ["/chat/completions", { provider: "openai", endpoint: "chat.completions" }],
  ["/responses", { provider: "openai", endpoint: "responses" }],
  ["/embeddings", { provider: "openai", endpoint: "embeddings" }],
  ["/messages", { provider: "anthropic", endpoint: "messages" }],
];

/** The daemon's routes: `/openai/v1/<path>` → `<openai base>/<path>`, `/anthropic/<path>` → `<anthropic base>/<path>` (the SDKs' base-URL conventions). */
export const DAEMON_ROUTES: Readonly<Record<string, EndpointRoute & { upstreamPath: string }>> = {
  "/openai/v1/chat/completions": { provider: "openai", endpoint: "chat.completions", upstreamPath: "/chat/completions" },
  "/openai/v1/responses": { provider: "openai", endpoint: "responses", upstreamPath: "/responses" },
  "/openai/v1/embeddings": { provider: "openai", endpoint: "embeddings", upstreamPath: "/embeddings" },
  "/anthropic/v1/messages": { provider: "anthropic", endpoint: "messages", upstreamPath: "/v1/messages" },
};

/** Recognises a priced endpoint from a full URL path (what an SDK's fetch is given), e.g. `/v1/chat/completions`. */
export function routeForPath(pathname: string): EndpointRoute | undefined {
  const path = pathname.replace(/\/+$/, "");
  return BY_SUFFIX.find(([suffix]) => path.endsWith(suffix))?.[1];
}
