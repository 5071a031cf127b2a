import { api } from "./api.js";
import { dollarsToMicros, el, fillRows, usd, when } from "./format.js";

export async function renderTokens() {
  const { items } = await api("/api/tokens?limit=100");
  const rows = items.map((t) => [
    el("td", t.name ?? "—"),
    el("td", t.agent_id),
    el("td", usd(t.budget_micros), "num"),
    el("td", usd(t.spent_micros), "num"),
    el("td", usd(t.remaining_micros), "num"),
    el("td", t.status, `status ${t.status}`),
    el("td", when(t.created_at)),
  ]);
  fillRows(document.querySelector("#tokens tbody"), rows, "No tokens yet: create one above, or with `iron token generate --budget 10`.", 7);
}

/** The "new token" form: validates the budget here (dollars, ≤ 6 decimals), then POST /api/tokens. */
export function wireTokenForm(onCreated) {
  const form = document.getElementById("token-form");
  const error = document.getElementById("token-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const data = new FormData(form);
    const budget_micros = dollarsToMicros(String(data.get("budget")));
    if (budget_micros === undefined) {
      error.textContent = "Budget: a positive amount of US dollars with at most 6 decimals, e.g. 10 or 2.5";
      return;
    }
    const body = { budget_micros };
    const name = String(data.get("name")).trim();
    const agent = String(data.get("agent_id")).trim();
    if (name) body.name = name;
    if (agent) body.agent_id = agent;
    try {
      const created = await api("/api/tokens", { method: "POST", body });
      document.getElementById("new-token-value").value = created.token;
      document.getElementById("new-token").hidden = false;
      form.reset();
      await onCreated();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  document.getElementById("copy-token").addEventListener("click", async () => {
    const value = document.getElementById("new-token-value");
    value.select();
    await navigator.clipboard?.writeText(value.value).catch(() => undefined);
  });
}
