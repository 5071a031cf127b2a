import { esc } from "../html.js";
import type { PackageInfo, SiteInput, StrategyInfo } from "../types.js";

/** The catalog's prose marks names with backticks, as Markdown does. */
function prose(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function packageItem(p: PackageInfo, optional = false): string {
  return `<li><strong>${esc(p.name)}</strong>${optional ? " <em>(optional)</em>" : ""} — ${prose(p.ships)}</li>`;
}

function strategy(s: StrategyInfo): string {
  return `<article class="card strategy" aria-labelledby="strategy-${esc(s.id)}">
    <h3 id="strategy-${esc(s.id)}">${esc(s.title)}</h3>
    <p>${prose(s.description.charAt(0).toUpperCase() + s.description.slice(1))}.</p>
    <p class="meta">Stack <code>${esc(s.stack)}</code> · <code>iron:strategy: ${esc(s.id)}</code></p>
    <h4>Deploys</h4>
    <ul>${s.packages.map((p) => packageItem(p)).join("")}${s.optional.map((p) => packageItem(p, true)).join("")}</ul>
  </article>`;
}

export function howItWorks(input: SiteInput): string {
  return `<section class="wrap">
  <h1>How it works</h1>
  <figure class="flow">
    <img src="/assets/flow.svg" alt="An agent calls the Agent Runtime, which checks the token's budget, forwards the call to the LLM provider and reports the priced call to the Control Panel; the CLI issues tokens from the Control Panel.">
    <figcaption>One call through Iron Cage.</figcaption>
  </figure>
  <ol class="steps">
    <li><p><strong>Issue a token.</strong> The CLI asks the Control Panel for an agent token with a budget; the token is a signed JWT the runtime can verify offline.</p></li>
    <li><p><strong>Proxy the calls.</strong> The agent points its OpenAI or Anthropic client at the Agent Runtime. Before each call the runtime reserves the worst case; after it, it charges the exact price from the provider's usage counters.</p></li>
    <li><p><strong>Report and watch.</strong> The runtime sends each priced call to the Control Panel as telemetry, off the request path. The dashboard shows spend by agent and model, and a live feed.</p></li>
  </ol>
  <h2>Four deployment strategies</h2>
  <p>Choose one per Pulumi stack; each deploys only what it needs.</p>
  <div class="cards">
    ${input.strategies.map(strategy).join("\n    ")}
  </div>
</section>
`;
}
