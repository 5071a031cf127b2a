import { usd } from "./format.js";

const NS = "http://www.w3.org/2000/svg";
// Distinguishable on white and for common colour-vision deficiencies (Okabe–Ito, darkened for contrast).
const COLORS = ["#0b6fa4", "#c25e00", "#008060", "#b0407a", "#6a5acd", "#8a6d00", "#3d4f6b", "#a03030"];

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The last `n` UTC days as YYYY-MM-DD, oldest first. */
export function lastDays(n, now = new Date()) {
  const days = [];
  for (let i = n - 1; i >= 0; i--) days.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return days;
}

/**
 * Stacked daily bars: `series` is [{ key, values: Map(day → micros) }], drawn in `container` as SVG
 * with a legend. Returns a sentence describing it, for the figure caption.
 */
export function drawStackedBars(container, days, series) {
  container.replaceChildren();
  const width = 720;
  const height = 260;
  const pad = { left: 64, right: 12, top: 12, bottom: 28 };
  const totals = days.map((d) => series.reduce((sum, s) => sum + (s.values.get(d) ?? 0), 0));
  const max = Math.max(...totals, 1);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const barW = (plotW / days.length) * 0.7;
  const total = totals.reduce((a, b) => a + b, 0);
  const summary = total === 0 ? `No spend in the last ${days.length} days.` : `${usd(total)} spent in the last ${days.length} days.`;

  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary, class: "bars" });
  for (const f of [0, 0.5, 1]) {
    const y = pad.top + plotH * (1 - f);
    root.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }));
    root.append(svg("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", class: "axis" }, usd(max * f)));
  }
  days.forEach((day, i) => {
    const x = pad.left + (plotW / days.length) * i + (plotW / days.length - barW) / 2;
    let y = pad.top + plotH;
    series.forEach((s, j) => {
      const v = s.values.get(day) ?? 0;
      if (v <= 0) return;
      const h = Math.max((v / max) * plotH, 1);
      y -= h;
      const rect = svg("rect", { x, y, width: barW, height: h, fill: COLORS[j % COLORS.length] });
      rect.append(svg("title", {}, `${day} · ${s.key}: ${usd(v)}`));
      root.append(rect);
    });
    if (i % Math.ceil(days.length / 7) === 0 || i === days.length - 1) {
      root.append(svg("text", { x: x + barW / 2, y: height - 8, "text-anchor": "middle", class: "axis" }, day.slice(5)));
    }
  });
  container.append(root);

  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((s, j) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch c${j % COLORS.length}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(s.key));
    legend.append(item);
  });
  container.append(legend);
  return summary;
}
