/**
 * The Agent Runtime as deployed: `/status` shows a verified token and the
 * telemetry state the stack configured; optionally one real priced call
 * (`--call-model`), which spends a little of the runtime's budget.
 */
import type { Check } from "../preflight/checks.js";
import { logsOf, type Deployment } from "./deployment.js";
import { errorOf, request, type Answer } from "./http.js";

export interface RuntimeStatusAnswer {
  token: { id: string; status: string; verification: string; verified_by: string | null; problem: string | null };
  budget_micros: number;
  spent_micros: number;
  remaining_micros: number;
  telemetry: { state: string; reason: string | null; panel_url: string | null };
}

const usd = (micros: number) => `$${(micros / 1e6).toFixed(6).replace(/0{1,4}$/, "")}`;

/** `/status`, with the token id for the panel-side check; `telemetry`: whether the stack reports to a panel. */
export async function runtimeStatusCheck(d: Deployment, url: string, telemetry: boolean): Promise<{ check: Check; status?: RuntimeStatusAnswer }> {
  const title = "Agent Runtime status";
  const required = `GET /status: token verified and active, telemetry ${telemetry ? "enabled (a panel is configured)" : "off (no panel)"}`;
  let answer: Answer;
  try {
    answer = await request("GET", `${url}/status`);
  } catch (err) {
    return { check: { id: "runtime-status", title, status: "fail", found: (err as Error).message, required, hint: `nothing answers at ${url}: is the runtime running? ${logsOf(d, "agent-runtime")}${d.target === "aws" ? " (it is internal to the VPC: run postflight from inside it)" : ""}` } };
  }
  const status = answer.body as RuntimeStatusAnswer | undefined;
  if (answer.status !== 200 || !status?.token) {
    return { check: { id: "runtime-status", title, status: "fail", found: `GET /status: ${errorOf(answer)}`, required, hint: "the address answers but is not an Agent Runtime; check runtimeUrl in the outputs" } };
  }
  const t = status.token;
  const found = `token ${t.id} ${t.status}, ${t.verification}${t.verified_by ? ` by ${t.verified_by}` : ""}; ${usd(status.spent_micros)} of ${usd(status.budget_micros)} spent; telemetry ${status.telemetry.state}${status.telemetry.reason ? ` (${status.telemetry.reason})` : ""}`;
  const problems: string[] = [];
  let hint = "";
  if (t.verification !== "verified") {
    problems.push("token not verified");
    hint = t.verification === "trusted"
      ? "the runtime takes its token on trust (--trust-unverified-token): give it its issuer's keys (IRON_JWKS, --jwks-file or a panel URL)"
      : `the runtime cannot verify its token (${t.problem ?? t.verification}): its panel's keys are unreachable or the token is from another issuer`;
  } else if (t.status !== "active") {
    problems.push(`token ${t.status}`);
    hint = t.status === "exhausted" ? "the budget is spent: raise iron:agentBudget (or top the token up at its panel) and pulumi up" : "the token is revoked or expired: issue a new one, pulumi config set --secret iron:agentToken <token>, pulumi up";
  } else if (telemetry !== (status.telemetry.state === "enabled")) {
    problems.push(`telemetry ${status.telemetry.state}`);
    hint = telemetry ? `telemetry should report to ${status.telemetry.panel_url ?? "the panel"} but is ${status.telemetry.state}: the panel refused or did not answer 3 times; ${logsOf(d, "agent-runtime")}, then restart it` : "telemetry is on although the stack configures no panel: the runtime has IRON_CONTROL_PANEL_URL from elsewhere";
  }
  const check: Check = problems.length === 0 ? { id: "runtime-status", title, status: "ok", found, required } : { id: "runtime-status", title, status: "fail", found, required, hint };
  return { check, status };
}

/** One real call through the runtime, priced and charged; `model` picks the provider route. */
export async function runtimeCallCheck(d: Deployment, url: string, model: string): Promise<Check> {
  const title = `priced call (${model})`;
  const required = "one call through the runtime answers 200 with its cost";
  const anthropic = model.startsWith("claude");
  const path = anthropic ? "/anthropic/v1/messages" : "/openai/v1/chat/completions";
  // The smallest call both APIs accept in this shape: one output token.
  const body = { model, max_tokens: 1, messages: [{ role: "user", content: "ping" }] };
  try {
    const answer = await request("POST", `${url}${path}`, { body });
    const cost = answer.headers.get("x-iron-cost-micros");
    if (answer.status === 200) return { id: "runtime-call", title, status: "ok", found: `POST ${path}: 200, cost ${cost ? usd(Number(cost)) : "unknown"}, remaining ${usd(Number(answer.headers.get("x-iron-budget-remaining-micros") ?? NaN))}`, required };
    const hint = answer.status === 401 || answer.status === 403
      ? "the provider or the runtime refused the key or token: set iron:openaiApiKey / iron:anthropicApiKey (pulumi config set --secret) and pulumi up"
      : answer.status === 402 ? "the budget is spent: raise it and pulumi up" : answer.status === 400 ? "the model is not in the price table: iron-runtime prices lists them" : logsOf(d, "agent-runtime");
    return { id: "runtime-call", title, status: "fail", found: `POST ${path}: ${errorOf(answer)}`, required, hint };
  } catch (err) {
    return { id: "runtime-call", title, status: "fail", found: (err as Error).message, required, hint: "the runtime does not answer; see Agent Runtime status" };
  }
}
