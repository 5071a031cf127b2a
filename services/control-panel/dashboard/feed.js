import { api, session } from "./api.js";
import { el, time, usd } from "./format.js";

const MAX_ITEMS = 50;

/**
 * Live telemetry: the newest events first (GET /api/telemetry), then new ones over SSE (GET /api/events).
 * The stream opens before the first page is read, and events it brings meanwhile wait, so none falls between the
 * two; an event seen twice is shown once. EventSource cannot send an Authorization header, so the panel takes the
 * access token as ?access_token= on this route (never logged: the panel logs paths only).
 * Calls `onEvent` after each live event (to refresh totals) and `onAuthLost` when the stream is refused.
 */
export function startFeed({ onEvent, onAuthLost }) {
  const list = document.getElementById("feed");
  const empty = document.getElementById("feed-empty");
  const status = document.getElementById("feed-status");
  let shown = new Set(); // only while the first page and the early live events meet
  let waiting = [];
  const source = new EventSource(`/api/events?access_token=${encodeURIComponent(session.token)}`);
  source.addEventListener("open", () => (status.textContent = "live"));
  source.addEventListener("error", () => {
    status.textContent = source.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
    if (source.readyState === EventSource.CLOSED) onAuthLost();
  });
  source.addEventListener("telemetry", (message) => {
    const e = JSON.parse(message.data);
    if (waiting) waiting.push(e);
    else if (show(e)) onEvent(e);
  });
  api(`/api/telemetry?limit=${MAX_ITEMS}`).then(
    (page) => {
      for (const e of page.items.slice().reverse()) show(e);
      flushWaiting();
    },
    flushWaiting, // the live stream still works; the page's own checks sign out when the session has ended
  );

  function flushWaiting() {
    for (const e of waiting) if (show(e)) onEvent(e);
    waiting = undefined;
    shown = undefined;
  }

  function show(e) {
    if (shown?.has(e.event_id)) return false;
    shown?.add(e.event_id);
    const item = document.createElement("li");
    item.className = `event ${e.type}`;
    const what = e.model ? `${e.provider}/${e.model}` : e.type;
    item.append(
      el("time", time(e.ts)),
      el("span", e.agent_id, "agent"),
      el("span", e.type.replace("_", " "), "type"),
      el("span", what, "model"),
      el("span", `${e.input_tokens} in · ${e.output_tokens} out`, "tokens"),
      el("span", usd(e.cost_micros), "cost"),
    );
    item.querySelector("time").setAttribute("datetime", e.ts);
    list.prepend(item);
    while (list.children.length > MAX_ITEMS) list.lastElementChild.remove();
    empty.hidden = true;
    return true;
  }
  return () => source.close();
}
