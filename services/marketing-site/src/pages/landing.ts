import type { SiteInput } from "../types.js";

export function landing(input: SiteInput): string {
  const signIn = input.settings.signInUrl ?? "";
  return `<section class="hero">
  <div class="wrap">
    <h1>Give every AI agent a budget it cannot overspend.</h1>
    <p class="lead">Iron Cage issues budgeted agent tokens, prices every LLM call at the proxy before it is sent,
    reports spend to one Control Panel, and runs agent tools in a Linux sandbox.</p>
    <p class="actions">
      <a class="button" href="/downloads.html">Download the CLI</a>
      <a class="button secondary" data-setting="signInUrl" href="${signIn}"${signIn ? "" : " hidden"}>Open the dashboard</a>
      <a class="button secondary" href="/how-it-works.html">How it works</a>
    </p>
  </div>
</section>
<section class="wrap features" aria-labelledby="features-title">
  <h2 id="features-title">What you get</h2>
  <ul class="cards">
    <li class="card"><h3>Budgets that hold</h3><p>Each agent token carries a budget in micro-dollars. The runtime reserves a call's worst case before forwarding it and refuses the call (402) when it would not fit.</p></li>
    <li class="card"><h3>Spend you can see</h3><p>Every call is priced from the provider's own usage counters and reported to the Control Panel: spend by agent and by model, and a live feed of events.</p></li>
    <li class="card"><h3>Tools in a cage</h3><p>The sandbox runs agent tools under Landlock and seccomp on any Linux ≥ 5.13, with no container runtime needed.</p></li>
    <li class="card"><h3>Deploy your way</h3><p>Four strategies, from the full platform to the runtime alone, on Docker, Kubernetes or AWS — or everything on one machine with <code>npm run pilot</code>.</p></li>
  </ul>
</section>
<section class="wrap" aria-labelledby="start-title">
  <h2 id="start-title">Try it in a minute</h2>
  <ol class="steps">
    <li><p>Start the platform on your machine (no cloud account, no Docker):</p><pre><code>npm ci &amp;&amp; npm run pilot</code></pre></li>
    <li><p>Sign in with the admin credentials it prints, and issue a token with a $10 budget:</p><pre><code>iron login &amp;&amp; iron token generate --budget 10 --agent my-agent</code></pre></li>
    <li><p>Point your agent's OpenAI client at the runtime proxy and watch the spend arrive on the dashboard.</p></li>
  </ol>
</section>
`;
}
