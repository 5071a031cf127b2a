/**
 * The Control Panel as a deployed stack runs it: ready with its schema, the
 * output admin password signs in, and a $0.01 agent token can be issued,
 * verified against the panel's published keys (the keys runtimes verify with)
 * and revoked again. Also: is the runtime's own token still active there.
 */
import { createLocalJWKSet, jwtVerify } from "jose";
import { CreateTokenResponse, JWKS_PATH, TOKEN_ISSUER, TokenView } from "../../services/protocol/src/index.js";
import type { Check } from "../preflight/checks.js";
import { logsOf, type Deployment } from "./deployment.js";
import { errorOf, request, RequestError, type Answer } from "./http.js";

/** The postflight token's budget: $0.01 in micro-USD. */
export const PROBE_BUDGET_MICROS = 10_000;

export interface PanelSession {
  url: string;
  /** The admin's access token once signed in. */
  accessToken?: string;
}

const fail = (id: string, title: string, found: string, required: string, hint: string): Check => ({ id, title, status: "fail", found, required, hint });
const ok = (id: string, title: string, found: string, required: string): Check => ({ id, title, status: "ok", found, required });

export async function panelReadyChecks(d: Deployment, url: string): Promise<Check[]> {
  const logs = logsOf(d, "control-panel");
  const required = "GET /readyz answers 200 with the database, schema and Redis ok";
  let answer: Answer;
  try {
    answer = await request("GET", `${url}/readyz`);
  } catch (err) {
    const found = (err as RequestError).message;
    const hint = `nothing answers at ${url}: is the panel running? ${logs}`;
    return [fail("panel-ready", "Control Panel ready", found, required, hint), fail("panel-schema", "Control Panel schema", "not checked: the panel does not answer", "the schema version this panel needs", "start the panel first")];
  }
  const body = answer.body as { status?: string; checks?: Record<string, string> } | undefined;
  const checks = body?.checks ?? {};
  const ready = answer.status === 200
    ? ok("panel-ready", "Control Panel ready", `${url}/readyz: ${Object.entries(checks).map(([k, v]) => `${k} ${v}`).join(", ")}`, required)
    : fail("panel-ready", "Control Panel ready", `${url}/readyz: ${answer.status} ${JSON.stringify(checks)}`, required, `the panel runs but is not ready: its database or Redis is unreachable (see what it found); ${logs}`);
  const schema = checks.schema ?? "not reported";
  const schemaCheck = schema.startsWith("ok")
    ? ok("panel-schema", "Control Panel schema", schema, "the schema version this panel needs")
    : fail("panel-schema", "Control Panel schema", schema, "the schema version this panel needs", `the migrations did not run: pulumi up runs the migrate step before the panel; ${logsOf(d, "control-panel-migrate")}`);
  return [ready, schemaCheck];
}

export async function adminLoginCheck(session: PanelSession, email: string | undefined | null, password: string | undefined | null): Promise<Check> {
  const title = "admin sign-in";
  const required = "POST /api/auth/login with the outputs' adminEmail and adminPassword gives an access token";
  if (!email || !password) return fail("panel-login", title, "the outputs hold no adminEmail / adminPassword", required, "read them with: pulumi stack output adminPassword --show-secrets (postflight needs --show-secrets)");
  if (password === "[secret]") return fail("panel-login", title, "adminPassword is masked (\"[secret]\")", required, "save the outputs with: pulumi stack output --json --show-secrets");
  try {
    const answer = await request("POST", `${session.url}/api/auth/login`, { body: { email, password } });
    const token = (answer.body as { access_token?: string } | undefined)?.access_token;
    if (answer.status === 200 && token) {
      session.accessToken = token;
      return ok("panel-login", title, `signed in as ${email}`, required);
    }
    const hint = answer.status === 401
      ? `the password in the stack's outputs no longer signs ${email} in (changed in the panel?); use the current one, or reset it in the panel and keep the outputs' copy in sync`
      : "the panel refused the sign-in; see its logs";
    return fail("panel-login", title, `${email}: ${errorOf(answer)}`, required, hint);
  } catch (err) {
    return fail("panel-login", title, (err as Error).message, required, "the panel does not answer; see Control Panel ready");
  }
}

/** Issues a $0.01 token, verifies its signature with the panel's JWKS and revokes it; the panel keeps the revoked row. */
export async function tokenRoundTripCheck(session: PanelSession): Promise<Check> {
  const title = "agent token round trip";
  const required = `a $0.01 token is issued, verifies against ${JWKS_PATH} and is revoked again`;
  if (!session.accessToken) return fail("panel-token", title, "not checked: no admin session", required, "fix admin sign-in first");
  const bearer = session.accessToken;
  let issuedId: string | undefined;
  try {
    const issued = await request("POST", `${session.url}/api/tokens`, { bearer, body: { budget_micros: PROBE_BUDGET_MICROS, name: "postflight", agent_id: "postflight" } });
    const created = CreateTokenResponse.safeParse(issued.body);
    if (issued.status !== 201 || !created.success) return fail("panel-token", title, `POST /api/tokens: ${errorOf(issued)}`, required, "the panel cannot issue tokens; see its logs");
    issuedId = created.data.id;
    const jwks = await request("GET", `${session.url}${JWKS_PATH}`);
    try {
      await jwtVerify(created.data.token, createLocalJWKSet(jwks.body as Parameters<typeof createLocalJWKSet>[0]), { issuer: TOKEN_ISSUER, algorithms: ["EdDSA", "ES256"] });
    } catch (err) {
      return fail("panel-token", title, `the issued token does not verify against ${JWKS_PATH}: ${(err as Error).message}`, required, "the panel signs with a key it does not publish (IRON_MASTER_KEY changed between its instances?); runtimes would refuse its tokens");
    }
    const revoked = await request("DELETE", `${session.url}/api/tokens/${issuedId}`, { bearer });
    const view = TokenView.safeParse(revoked.body);
    if (!view.success || view.data.status !== "revoked") return fail("panel-token", title, `DELETE /api/tokens/${issuedId}: ${errorOf(revoked)}`, required, "the panel did not revoke the token; revoke it by hand (iron token revoke) and see its logs");
    return ok("panel-token", title, `token ${issuedId} issued ($0.01), signature verified, revoked`, required);
  } catch (err) {
    return fail("panel-token", title, `${(err as Error).message}${issuedId ? ` (token ${issuedId} may still be active: revoke it)` : ""}`, required, "the panel stopped answering mid-check; see its logs");
  }
}

/** The runtime's own agent token, as its panel sees it: must be active for the runtime to spend. */
export async function runtimeTokenAtPanelCheck(session: PanelSession, tokenId: string): Promise<Check> {
  const title = "runtime token at the panel";
  const required = "the runtime's agent token is active at its panel";
  if (!session.accessToken) return fail("runtime-token", title, "not checked: no admin session", required, "fix admin sign-in first");
  try {
    const answer = await request("GET", `${session.url}/api/tokens/${tokenId}`, { bearer: session.accessToken });
    const view = TokenView.safeParse(answer.body);
    if (!view.success) return fail("runtime-token", title, `GET /api/tokens/${tokenId}: ${errorOf(answer)}`, required, "the panel does not know the runtime's token: iron:agentToken was issued by another panel; issue one here and pulumi config set --secret iron:agentToken <token>, then pulumi up");
    const t = view.data;
    const found = `token ${t.id} (agent ${t.agent_id}): ${t.status}, $${(t.spent_micros / 1e6).toFixed(6)} of $${(t.budget_micros / 1e6).toFixed(2)} spent`;
    if (t.status === "active") return ok("runtime-token", title, found, required);
    const hint = t.status === "exhausted"
      ? "top the budget up: iron token topup <id> --budget <usd> (or PATCH /api/tokens/<id>)"
      : "issue a new token (iron token generate --budget <usd> --agent <name>), pulumi config set --secret iron:agentToken <token>, then pulumi up";
    return fail("runtime-token", title, found, required, hint);
  } catch (err) {
    return fail("runtime-token", title, (err as Error).message, required, "the panel does not answer; see Control Panel ready");
  }
}
