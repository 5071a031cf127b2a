import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { AgentTokenClaims, TOKEN_ISSUER } from "@iron/protocol";

export class TokenError extends Error {}

/** Reads the agent token's claims without checking its signature (for its id and budget before keys are at hand). */
export function readClaims(token: string): AgentTokenClaims {
  let payload: unknown;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new TokenError("IRON_TOKEN is not a JWT; give the agent token the Control Panel issued (iron token generate)");
  }
  const parsed = AgentTokenClaims.safeParse(payload);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
    throw new TokenError(`IRON_TOKEN is not a Control Panel agent token (bad or missing claims: ${fields})`);
  }
  return parsed.data;
}

/** The `kid` the token was signed with, if its header names one. */
export function tokenKeyId(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

export function isJwks(value: unknown): value is JSONWebKeySet {
  return typeof value === "object" && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

/** Verifies the token's signature and issuer against a key set (EdDSA or ES256). Expiry is checked per call, not here. */
export async function verifyToken(token: string, jwks: JSONWebKeySet): Promise<void> {
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: TOKEN_ISSUER,
      algorithms: ["EdDSA", "ES256"],
      // An expired token is still the right token: its spend stays readable; calls are refused per call.
      currentDate: new Date(0),
    });
  } catch (err) {
    throw new TokenError(`the agent token's signature does not verify against the Control Panel's keys (${(err as Error).message})`);
  }
}
