import { esc } from "../html.js";
import type { SiteInput } from "../types.js";

export function docs(input: SiteInput): string {
  const { docsUrl, controlPanelUrl } = input.settings;
  return `<section class="wrap prose">
  <h1>Documentation</h1>
  ${docsUrl ? `<p><a href="${esc(docsUrl)}">The full documentation</a> covers every package in depth.</p>` : ""}
  <h2 id="cli">CLI</h2>
  <pre><code>iron login                                  # email + password, saves an API key (~/.iron, 0600)
iron token generate --budget 10 --agent bot # prints the agent token; the budget is in US dollars
iron token list · iron token topup &lt;id&gt; --budget 5 · iron token revoke &lt;id&gt;
iron usage --by model                       # spend by agent, model or day</code></pre>
  <p>The CLI talks to <code data-setting-text="controlPanelUrl">${esc(controlPanelUrl ?? "http://localhost:3000")}</code>
  by default; set <code>IRON_API_URL</code> or pass <code>--api-url</code> to choose another Control Panel.</p>
  <h2 id="runtime">Agent Runtime</h2>
  <pre><code>IRON_TOKEN=&lt;agent token&gt; IRON_CONTROL_PANEL_URL=&lt;panel&gt; iron-runtime serve --port 8787
new OpenAI({ baseURL: "http://127.0.0.1:8787/openai/v1" })
new Anthropic({ baseURL: "http://127.0.0.1:8787/anthropic" })</code></pre>
  <p>A call that could overspend the token's budget is refused with <code>402</code> before it reaches the provider.</p>
  <h2 id="api">Control Panel API</h2>
  <p>JSON over HTTPS with <code>Authorization: Bearer</code>: <code>POST /api/auth/login</code>, <code>POST /api/tokens</code>,
  <code>GET /api/tokens</code>, <code>GET /api/usage</code>, <code>GET /api/events</code> (server-sent events), <code>GET /healthz</code>.
  Money is integer micro-dollars everywhere.</p>
  <h2 id="deploy">Deploying</h2>
  <p>Pulumi stacks <code>full-platform</code>, <code>agent-only</code>, <code>panel-clis</code> and <code>sandbox-only</code>
  deploy to Docker, Kubernetes or AWS; <code>iron:mode: pilot</code> runs the whole platform as one process on one Docker host.
  See <a href="/how-it-works.html">how it works</a>.</p>
</section>
`;
}
