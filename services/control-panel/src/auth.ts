import { createHash, randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { API_KEY_PREFIX, type Role } from "@iron/protocol";
import type { Context } from "./context.js";
import { HttpError, forbidden } from "./errors.js";
import type { TokenRow, UserRow } from "./rows.js";

export type Principal =
  | {
      kind: "user";
      user: UserRow;
      credential: "access_token" | "api_key";
      /** The API key's id (`api_key`), so a live stream can end when that key is revoked. */
      keyId?: string;
      /** When the access token expires, in ms since the epoch (`access_token`). */
      expiresAtMs?: number;
    }
  | { kind: "agent"; token: TokenRow };

/**
 * How long after an agent token's revocation or expiry the panel still takes its telemetry: spend the runtime incurred
 * while the token was valid (queued, or made before the runtime heard of the revocation) must still be recorded.
 * Such a token can do nothing else: no LLM call, no other endpoint.
 */
export const LATE_TELEMETRY_GRACE_SECONDS = 7 * 24 * 3600;

export const ACCESS_AUDIENCE = "iron-control-panel";

const unauthorized = (message: string) => new HttpError(401, "unauthorized", message);

/** A new personal API key: `iron_sk_` + 32 random bytes (base64url). Only its SHA-256 is stored. */
export function newApiKey(): { key: string; hash: Buffer; prefix: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString("base64url");
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

/** SHA-256 is enough for 256-bit random keys: there is nothing to brute-force. */
export const hashApiKey = (key: string): Buffer => createHash("sha256").update(key).digest();

/** The bearer credential of a request; `?access_token=` is accepted only where `allowQuery` (EventSource cannot set headers). */
export function bearer(req: FastifyRequest, allowQuery = false): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized("the Authorization header must be `Bearer <access token | API key | agent token>`");
    return m[1];
  }
  if (allowQuery) {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === "string" && q) return q;
  }
  return undefined;
}

const USER_COLUMNS = "u.id, u.email, u.password_hash, u.role, u.created_at, u.disabled_at";
const TOKEN_COLUMNS = "id, owner_id, name, agent_id, budget_micros, spent_micros, created_at, expires_at, revoked_at, last_event_at";
export { TOKEN_COLUMNS };

export interface ResolveOptions {
  /** Accept an agent token revoked or expired less than LATE_TELEMETRY_GRACE_SECONDS ago (telemetry ingestion only). */
  endedAgentTokens?: boolean;
}

/** Resolves the request's credential to a user or an agent token; throws 401 with the reason. */
export async function authenticate(ctx: Context, req: FastifyRequest, allowQuery = false, options: ResolveOptions = {}): Promise<Principal> {
  const credential = bearer(req, allowQuery);
  if (!credential) throw unauthorized("authentication required: send Authorization: Bearer <access token | API key | agent token>");
  return resolveCredential(ctx, credential, options);
}

/** Resolves a bearer credential (also re-checked during a live stream); throws 401 with the reason. */
export async function resolveCredential(ctx: Context, credential: string, options: ResolveOptions = {}): Promise<Principal> {

  if (credential.startsWith(API_KEY_PREFIX)) {
    const { rows } = await ctx.pool.query<UserRow & { key_id: string; stale: boolean }>({
      name: "api-key",
      text: `SELECT ${USER_COLUMNS}, k.id AS key_id, (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS stale
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      values: [hashApiKey(credential)],
    });
    const row = rows[0];
    if (!row) throw unauthorized("API key not recognised (it may have been revoked)");
    if (row.disabled_at) throw unauthorized("this user is disabled");
    if (row.stale) {
      // Best effort, at most once a minute per key: never on the request's critical path.
      ctx.pool.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [row.key_id]).catch(() => undefined);
    }
    return { kind: "user", user: row, credential: "api_key", keyId: row.key_id };
  }

  const late = options.endedAgentTokens === true;
  let payload;
  try {
    payload = await ctx.keys.verify(credential, late ? { expiryGraceSeconds: LATE_TELEMETRY_GRACE_SECONDS } : {});
    if (late && payload.kind !== "agent" && typeof payload.exp === "number" && payload.exp * 1000 <= Date.now()) {
      throw Object.assign(new Error("expired"), { code: "ERR_JWT_EXPIRED" }); // the grace is for agent tokens only
    }
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_JWT_EXPIRED") throw new HttpError(401, "token_expired", "token expired");
    throw unauthorized("token not recognised: bad signature, issuer or format");
  }

  if (payload.kind === "agent" && typeof payload.jti === "string") {
    // Credential lookups are named: prepared once per connection, as they run on every call.
    const { rows } = await ctx.pool.query<TokenRow>({ name: "agent-token", text: `SELECT ${TOKEN_COLUMNS} FROM agent_tokens WHERE id = $1`, values: [payload.jti] });
    const token = rows[0];
    if (!token) throw unauthorized("agent token not recognised");
    const grace = late ? LATE_TELEMETRY_GRACE_SECONDS * 1000 : 0;
    if (token.revoked_at && token.revoked_at.getTime() + grace <= Date.now()) throw new HttpError(401, "token_revoked", "agent token revoked");
    const expiredAt = token.expires_at?.getTime();
    if (expiredAt !== undefined && expiredAt + grace <= Date.now()) throw new HttpError(401, "token_expired", "agent token expired");
    return { kind: "agent", token };
  }

  if (payload.kind === "access" && typeof payload.sub === "string" && payload.aud === ACCESS_AUDIENCE) {
    const { rows } = await ctx.pool.query<UserRow>({ name: "user-by-id", text: `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, values: [payload.sub] });
    const user = rows[0];
    if (!user) throw unauthorized("user no longer exists");
    if (user.disabled_at) throw unauthorized("this user is disabled");
    return { kind: "user", user, credential: "access_token", ...(typeof payload.exp === "number" ? { expiresAtMs: payload.exp * 1000 } : {}) };
  }
  throw unauthorized("token not recognised");
}

export type UserPrincipal = Extract<Principal, { kind: "user" }>;

/** The principal must be a user (access token or API key) with one of `roles`; agents and other roles get 403. */
export function assertUser(p: Principal, roles: readonly Role[] = ["admin", "user", "viewer"]): UserPrincipal {
  if (p.kind !== "user") throw forbidden("agent tokens may only call GET /api/tokens/self and POST /api/telemetry");
  if (!roles.includes(p.user.role)) throw forbidden(`this needs the ${roles.join(" or ")} role; you are ${p.user.role}`);
  return p;
}

/** A user (access token or API key) with one of `roles`; agents and other roles get 403. */
export async function requireUser(ctx: Context, req: FastifyRequest, roles: readonly Role[] = ["admin", "user", "viewer"], allowQuery = false): Promise<UserRow> {
  return assertUser(await authenticate(ctx, req, allowQuery), roles).user;
}

/** An agent token, valid (not revoked, not expired); with `endedAgentTokens`, also one that ended (telemetry ingestion). */
export async function requireAgent(ctx: Context, req: FastifyRequest, options: ResolveOptions = {}): Promise<TokenRow> {
  const p = await authenticate(ctx, req, false, options);
  if (p.kind !== "agent") throw forbidden("this endpoint takes an agent token (from POST /api/tokens)");
  return p.token;
}
