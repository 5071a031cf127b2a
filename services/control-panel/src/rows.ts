import type { ApiKey, Role, TokenSelf, TokenStatus, TokenView, User } from "@iron/protocol";

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: Date;
  disabled_at: Date | null;
}

export interface TokenRow {
  id: string;
  owner_id: string;
  name: string | null;
  agent_id: string;
  budget_micros: number;
  spent_micros: number;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_event_at: Date | null;
}

export interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function userView(u: UserRow): User {
  return { id: u.id, email: u.email, role: u.role, created_at: u.created_at.toISOString(), disabled_at: iso(u.disabled_at) };
}

export function apiKeyView(k: ApiKeyRow): ApiKey {
  return {
    id: k.id,
    user_id: k.user_id,
    name: k.name,
    prefix: k.prefix,
    created_at: k.created_at.toISOString(),
    last_used_at: iso(k.last_used_at),
    revoked_at: iso(k.revoked_at),
  };
}

/** Revoked and expired win over exhausted; exhausted once spent reaches the budget. */
export function tokenStatus(t: Pick<TokenRow, "budget_micros" | "spent_micros" | "expires_at" | "revoked_at">, now = Date.now()): TokenStatus {
  if (t.revoked_at) return "revoked";
  if (t.expires_at && t.expires_at.getTime() <= now) return "expired";
  if (t.spent_micros >= t.budget_micros) return "exhausted";
  return "active";
}

export const remaining = (t: Pick<TokenRow, "budget_micros" | "spent_micros">): number => Math.max(0, t.budget_micros - t.spent_micros);

export function tokenView(t: TokenRow): TokenView {
  return {
    id: t.id,
    name: t.name,
    agent_id: t.agent_id,
    owner_id: t.owner_id,
    budget_micros: t.budget_micros,
    spent_micros: t.spent_micros,
    remaining_micros: remaining(t),
    status: tokenStatus(t),
    created_at: t.created_at.toISOString(),
    expires_at: iso(t.expires_at),
    revoked_at: iso(t.revoked_at),
    last_event_at: iso(t.last_event_at),
  };
}

export function tokenSelfView(t: TokenRow): TokenSelf {
  return {
    id: t.id,
    agent_id: t.agent_id,
    budget_micros: t.budget_micros,
    spent_micros: t.spent_micros,
    remaining_micros: remaining(t),
    status: tokenStatus(t),
    expires_at: iso(t.expires_at),
  };
}

/** Opaque keyset-pagination cursor over (timestamp, tiebreaker). */
export function encodeCursor(ts: Date, tiebreak: string | number): string {
  return Buffer.from(JSON.stringify([ts.toISOString(), tiebreak])).toString("base64url");
}

export function decodeCursor(cursor: string): [string, string | number] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && !Number.isNaN(Date.parse(v[0])) && (typeof v[1] === "string" || typeof v[1] === "number")) {
      return [v[0], v[1]];
    }
  } catch {
    /* falls through */
  }
  return undefined;
}
