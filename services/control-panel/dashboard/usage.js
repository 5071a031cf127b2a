import { api } from "./api.js";
import { drawStackedBars, lastDays } from "./chart.js";
import { el, fillRows, usd } from "./format.js";

const DAYS = 14;
const MAX_SERIES = 6;
/** How many recent events the by-model chart reads at most (GET /api/usage has no per-model day breakdown). */
const MAX_EVENTS = 5000;

function fillTable(table, rows) {
  const cells = rows.map((r) => [el("td", r.key || "(none)"), el("td", r.llm_calls, "num"), el("td", usd(r.cost_micros), "num")]);
  fillRows(table.tBodies[0], cells, "no spend yet", 3);
}

/** The top agents, each with its own daily spend from GET /api/usage?group_by=day&agent_id=… */
async function seriesByAgent(agents, since) {
  const top = agents.slice(0, MAX_SERIES);
  return Promise.all(
    top.map(async (a) => {
      const days = await api(`/api/usage?group_by=day&since=${encodeURIComponent(since)}&agent_id=${encodeURIComponent(a.key)}`);
      return { key: a.key, values: new Map(days.rows.map((r) => [r.key, r.cost_micros])) };
    }),
  );
}

/** Daily spend per model, summed from the recent events (GET /api/telemetry, newest first). */
async function seriesByModel(since) {
  const perModel = new Map();
  let cursor = "";
  let read = 0;
  do {
    const page = await api(`/api/telemetry?limit=1000&since=${encodeURIComponent(since)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const e of page.items) {
      if (!e.cost_micros) continue;
      const key = `${e.provider}/${e.model}`;
      const day = new Date(e.ts).toISOString().slice(0, 10);
      const values = perModel.get(key) ?? new Map();
      values.set(day, (values.get(day) ?? 0) + e.cost_micros);
      perModel.set(key, values);
    }
    read += page.items.length;
    cursor = page.next_cursor;
  } while (cursor && read < MAX_EVENTS);
  const total = (values) => [...values.values()].reduce((a, b) => a + b, 0);
  const series = [...perModel].map(([key, values]) => ({ key, values })).sort((a, b) => total(b.values) - total(a.values));
  return { series: series.slice(0, MAX_SERIES), truncated: Boolean(cursor) };
}

export async function renderUsage(group) {
  const days = lastDays(DAYS);
  const since = `${days[0]}T00:00:00Z`;
  const [byAgent, byModel] = await Promise.all([api("/api/usage?group_by=agent"), api("/api/usage?group_by=model")]);
  fillTable(document.getElementById("by-agent"), byAgent.rows);
  fillTable(document.getElementById("by-model"), byModel.rows);
  let series;
  let note = "";
  if (group === "model") {
    const result = await seriesByModel(since);
    series = result.series;
    if (result.truncated) note = ` Drawn from the latest ${MAX_EVENTS} events.`;
  } else {
    series = await seriesByAgent(byAgent.rows, since);
  }
  const summary = drawStackedBars(document.getElementById("chart"), days, series);
  document.getElementById("chart-caption").textContent = `Daily spend by ${group}, last ${DAYS} days (UTC). ${summary}${note}`;
}
