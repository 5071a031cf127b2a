import { session } from "./api.js";
import { el, time, usd } from "./format.js";

const MAX_ITEMS = 50;

/**
 * Live telemetry over SSE (GET /api/events). EventSource cannot send an Authorization header, so the
 * panel takes the access token as ?access_token= on this route (never logged: the panel logs paths only).
 * Calls `onEvent` after each event (to refresh totals) and `onAuthLost` when the stream is refused.
 */
export function startFeed({ onEvent, onAuthLost }) {
  const list = document.getElementById("feed");
  const empty = document.getElementById("feed-empty");
  const status = document.getElementById("feed-status");
  const source = new EventSource(`/api/events?access_token=${encodeURIComponent(session.token)}`);
  source.addEventListener("open", () => (status.textContent = "live"));
  source.addEventListener("error", () => {
    status.textContent = source.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
    if (source.readyState === EventSource.CLOSED) onAuthLost();
  });
  source.addEventListener("telemetry", (message) => {
    const e = JSON.parse(message.data);
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
    onEvent(e);
  });
  return () => source.close();
}
