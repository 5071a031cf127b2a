import { z } from "zod";
import { Micros, PositiveMicros } from "./money.js";

/** `iss` of every JWT the Control Panel signs. */
export const TOKEN_ISSUER = "iron-control-panel";
/** Where the Control Panel publishes the public keys of its signing keys (JWKS, RFC 7517). */
export const JWKS_PATH = "/.well-known/jwks.json";

/** An agent id: letters, digits and `._:@/-`, 1 to 128 characters. */
export const AgentId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@/-]+$/, "may contain only letters, digits and . _ : @ / -");

/**
 * Claims of an agent token (a JWT signed with EdDSA/Ed25519, `kid` in the header).
 * `budget_micros` is the budget at issue time; the panel's `GET /api/tokens/self` is authoritative after top-ups.
 */
export const AgentTokenClaims = z.object({
  iss: z.literal(TOKEN_ISSUER),
  /** The token id. */
  jti: z.uuid(),
  /** The agent id. */
  sub: z.string(),
  budget_micros: Micros,
  /** Always "agent" for agent tokens (access tokens carry "access"). */
  kind: z.literal("agent"),
  iat: z.int(),
  exp: z.int().optional(),
  /** The panel's public URL, when it is configured: where the runtime reports telemetry. */
  panel_url: z.string().optional(),
});
export type AgentTokenClaims = z.infer<typeof AgentTokenClaims>;

/** Longest agent-token lifetime accepted by `POST /api/tokens`: 5 years, in seconds. */
export const MAX_TOKEN_TTL_SECONDS = 5 * 365 * 24 * 3600;

/** `POST /api/tokens`. */
export const CreateTokenRequest = z.strictObject({
  budget_micros: PositiveMicros,
  name: z.string().trim().min(1).max(100).optional(),
  agent_id: AgentId.optional(),
  /** Lifetime in seconds; no expiry when omitted. */
  expires_in: z.int().positive().max(MAX_TOKEN_TTL_SECONDS).optional(),
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

/** `POST /api/tokens` → 201. */
export const CreateTokenResponse = z.object({
  id: z.uuid(),
  token: z.string(),
  agent_id: z.string(),
  name: z.string().nullable(),
  budget_micros: Micros,
  expires_at: z.string().nullable(),
});
export type CreateTokenResponse = z.infer<typeof CreateTokenResponse>;

/** `active` until spent ≥ budget (`exhausted`), revoked, or past `expires_at`. Revoked and expired win over exhausted. */
export const TokenStatus = z.enum(["active", "exhausted", "revoked", "expired"]);
export type TokenStatus = z.infer<typeof TokenStatus>;

/** A token as `GET /api/tokens[/:id]` shows it (the JWT itself is never stored nor shown again). */
export const TokenView = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  agent_id: z.string(),
  owner_id: z.uuid(),
  budget_micros: Micros,
  spent_micros: Micros,
  /** max(0, budget − spent). */
  remaining_micros: Micros,
  status: TokenStatus,
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  last_event_at: z.string().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

export const TokenList = z.object({
  items: z.array(TokenView),
  /** Pass as `?cursor=` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});
export type TokenList = z.infer<typeof TokenList>;

/** `GET /api/tokens/self` (agent token auth). */
export const TokenSelf = z.object({
  id: z.uuid(),
  agent_id: z.string(),
  budget_micros: Micros,
  spent_micros: Micros,
  remaining_micros: Micros,
  status: TokenStatus,
  expires_at: z.string().nullable(),
});
export type TokenSelf = z.infer<typeof TokenSelf>;

/**
 * `PATCH /api/tokens/:id`: a top-up (`add_budget_micros`, added atomically) or a new absolute `budget_micros`,
 * and/or a new `name`.
 */
export const UpdateTokenRequest = z
  .strictObject({
    add_budget_micros: PositiveMicros.optional(),
    budget_micros: PositiveMicros.optional(),
    name: z.string().trim().min(1).max(100).optional(),
  })
  .refine((v) => !(v.add_budget_micros !== undefined && v.budget_micros !== undefined), {
    message: "give add_budget_micros or budget_micros, not both",
  })
  .refine((v) => Object.keys(v).length > 0, { message: "give add_budget_micros, budget_micros or name" });
export type UpdateTokenRequest = z.infer<typeof UpdateTokenRequest>;

/** `GET /api/tokens` query. */
export const TokenListQuery = z.strictObject({
  agent_id: AgentId.optional(),
  status: TokenStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type TokenListQuery = z.infer<typeof TokenListQuery>;
