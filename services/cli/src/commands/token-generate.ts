import { randomUUID } from "node:crypto";
import { CreateTokenResponse, microsToUsd, type CreateTokenRequest } from "@iron/protocol";
import { CliError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { usd, when } from "../format.js";
import { agentId, budgetMicros, expiresInSeconds, tokenName } from "../inputs.js";
import { displayPath } from "../paths.js";
import { openSession, type GlobalOptions } from "../session.js";
import { saveToken } from "../token-store.js";

export interface GenerateOptions extends GlobalOptions {
  budget: string;
  name?: string;
  agent?: string;
  expires?: string;
  /** commander's `--no-save` sets this to false. */
  save: boolean;
}

/**
 * `POST /api/tokens`, then saves the token in `~/.iron/tokens`. For people, the token alone goes to stdout (so
 * `TOKEN=$(iron token generate --budget 5)` works) and the summary to stderr.
 */
export async function generateToken(options: GenerateOptions): Promise<void> {
  const request: CreateTokenRequest = { budget_micros: budgetMicros("--budget", options.budget) };
  if (options.name !== undefined) request.name = tokenName(options.name);
  if (options.agent !== undefined) request.agent_id = agentId(options.agent);
  if (options.expires !== undefined) request.expires_in = expiresInSeconds(options.expires);

  const session = await openSession(options);
  const { apiKey } = await session.credential();
  // One key for every attempt: if an answer is lost and the request retried, the panel returns the same token.
  const headers = { "idempotency-key": randomUUID() };
  const created = await session.call("Generating a token", "POST", "/api/tokens", { schema: CreateTokenResponse, body: request, bearer: apiKey, headers });
  let saveError: unknown;
  if (options.save) {
    // The token exists on the panel now: if it cannot be saved, still show it (below) before reporting the failure.
    await saveToken(session.paths.tokens, { ...created, api_url: session.api.url, saved_at: new Date().toISOString() }).catch((err: unknown) => (saveError = err));
  }
  const savedTo = options.save && saveError === undefined ? session.paths.tokens : null;
  const { style } = session.ui;
  session.ui.note(
    `${style.green("Token issued")}: ${created.id} for agent ${created.agent_id}${created.name ? ` (${created.name})` : ""}, ` +
      `budget ${usd(created.budget_micros)}, expires ${when(created.expires_at, "never")}.\n` +
      (savedTo ? `Saved to ${displayPath(savedTo)} (mode 0600).` : "Not saved: copy it now, it is not shown again."),
  );
  session.ui.result({ ...created, budget_usd: microsToUsd(created.budget_micros), saved_to: savedTo }, () => created.token);
  if (saveError !== undefined) {
    const reason = saveError instanceof Error ? saveError.message : String(saveError);
    throw new CliError(`the token was issued (printed above) but could not be saved in ${session.paths.tokens}: ${reason}`, EXIT.error, "store the printed token yourself now; it is not shown again", "save_failed");
  }
}
