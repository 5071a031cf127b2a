import { TokenList, TokenView } from "@iron/protocol";
import { usageError } from "../errors.js";
import { usd, when } from "../format.js";
import { agentId, budgetMicros, tokenId, tokenStatus } from "../inputs.js";
import { openSession, type GlobalOptions, type Session } from "../session.js";
import { renderFields, renderTable } from "../table.js";
import { forgetToken } from "../token-store.js";
import type { Style } from "../style.js";

const PAGE = 200;

function statusText(style: Style, status: TokenView["status"]): string {
  return status === "active" ? style.green(status) : status === "exhausted" ? style.yellow(status) : style.red(status);
}

function tokenFields(style: Style, t: TokenView): string {
  return renderFields([
    ["Id", t.id],
    ["Agent", t.agent_id],
    ["Name", t.name ?? "-"],
    ["Status", statusText(style, t.status)],
    ["Budget", usd(t.budget_micros)],
    ["Spent", usd(t.spent_micros)],
    ["Remaining", usd(t.remaining_micros)],
    ["Created", when(t.created_at)],
    ["Expires", when(t.expires_at, "never")],
    ["Revoked", when(t.revoked_at)],
    ["Last event", when(t.last_event_at)],
  ]);
}

async function authorized(options: GlobalOptions): Promise<{ session: Session; bearer: string }> {
  const session = await openSession(options);
  return { session, bearer: (await session.credential()).apiKey };
}

export interface ListOptions extends GlobalOptions {
  agent?: string;
  status?: string;
  limit?: string;
}

/** `GET /api/tokens`, following pages up to `--limit` tokens (default 50). */
export async function listTokens(options: ListOptions): Promise<void> {
  const agent = options.agent === undefined ? undefined : agentId(options.agent);
  const status = options.status === undefined ? undefined : tokenStatus(options.status);
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
    throw usageError(`--limit: "${options.limit}" is not a number of tokens`, "give a whole number from 1 to 100000");
  }
  const { session, bearer } = await authorized(options);
  const items: TokenView[] = [];
  let cursor: string | undefined;
  do {
    const page = await session.call("Listing tokens", "GET", "/api/tokens", {
      schema: TokenList,
      bearer,
      query: { agent_id: agent, status, limit: Math.min(PAGE, limit - items.length), cursor },
    });
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && items.length < limit);
  const { style } = session.ui;
  session.ui.result({ items, more: cursor !== undefined }, () =>
    items.length === 0
      ? `No tokens on ${session.api.url}${agent || status ? " match" : ""}. Issue one with \`iron token generate --budget <usd>\`.`
      : renderTable(
          ["ID", "AGENT", "NAME", "STATUS", "BUDGET", "SPENT", "REMAINING", "EXPIRES"],
          items.map((t) => [t.id, t.agent_id, t.name ?? "-", statusText(style, t.status), usd(t.budget_micros), usd(t.spent_micros), usd(t.remaining_micros), when(t.expires_at, "never")]),
        ) + (cursor ? `\n(more tokens: raise --limit)` : ""),
  );
}

export async function showToken(id: string, options: GlobalOptions): Promise<void> {
  const tokenIdValue = tokenId(id);
  const { session, bearer } = await authorized(options);
  const token = await session.call("Reading the token", "GET", `/api/tokens/${tokenIdValue}`, { schema: TokenView, bearer });
  session.ui.result(token, () => tokenFields(session.ui.style, token));
}

/** `DELETE /api/tokens/:id` (idempotent), and drops the token from `~/.iron/tokens`. */
export async function revokeToken(id: string, options: GlobalOptions): Promise<void> {
  const tokenIdValue = tokenId(id);
  const { session, bearer } = await authorized(options);
  const token = await session.call("Revoking the token", "DELETE", `/api/tokens/${tokenIdValue}`, { schema: TokenView, bearer });
  const removedLocally = await forgetToken(session.paths.tokens, token.id);
  session.ui.result({ ...token, removed_from_saved_tokens: removedLocally }, () =>
    `${session.ui.style.red("Revoked")} ${token.id} (agent ${token.agent_id}); spent ${usd(token.spent_micros)} of ${usd(token.budget_micros)}.` +
    (removedLocally ? "\nRemoved it from ~/.iron/tokens." : ""),
  );
}

export interface TopupOptions extends GlobalOptions {
  budget: string;
}

/** `PATCH /api/tokens/:id {add_budget_micros}`: adds to the budget, atomically on the panel. */
export async function topupToken(id: string, options: TopupOptions): Promise<void> {
  const tokenIdValue = tokenId(id);
  const add = budgetMicros("--budget", options.budget);
  const { session, bearer } = await authorized(options);
  const token = await session.call("Topping up", "PATCH", `/api/tokens/${tokenIdValue}`, { schema: TokenView, bearer, body: { add_budget_micros: add } });
  session.ui.result({ ...token, added_micros: add }, () =>
    `${session.ui.style.green("Topped up")} ${token.id} by ${usd(add)}: budget ${usd(token.budget_micros)}, remaining ${usd(token.remaining_micros)} (${token.status}).`,
  );
}
