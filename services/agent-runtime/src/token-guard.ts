import type { AgentTokenClaims, TokenStatus } from "@iron/protocol";
import type { ErrorAnswer } from "./http-errors.js";

/** How the token's signature was established: checked against keys, accepted on explicit trust, still waiting for keys, or proven bad. */
export type Verification = "verified" | "trusted" | "pending" | "invalid";

/** Decides, per call, whether the agent token may be used right now. */
export class TokenGuard {
  verification: Verification = "pending";
  verifiedBy: "jwks-file" | "jwks-env" | "cached-jwks" | "panel-jwks" | "trust-flag" | null = null;
  problem: string | null = null;

  constructor(readonly claims: AgentTokenClaims, public status: TokenStatus) {}

  get expiresAt(): string | null {
    return this.claims.exp === undefined ? null : new Date(this.claims.exp * 1000).toISOString();
  }

  markVerified(by: NonNullable<TokenGuard["verifiedBy"]>): void {
    this.verification = by === "trust-flag" ? "trusted" : "verified";
    this.verifiedBy = by;
    this.problem = null;
  }

  markInvalid(problem: string): void {
    this.verification = "invalid";
    this.problem = problem;
  }

  refusal(now = Date.now()): ErrorAnswer | undefined {
    if (this.verification === "pending") {
      return { status: 503, code: "token_unverified", message: `the runtime has not verified its agent token yet (${this.problem ?? "waiting for the Control Panel's keys"}); it keeps retrying, or give --jwks-file` };
    }
    if (this.verification === "invalid") {
      return { status: 403, code: "token_invalid", message: `the agent token is not valid: ${this.problem ?? "bad signature"}; set IRON_TOKEN to a token this Control Panel issued` };
    }
    if (this.status === "revoked") {
      return { status: 403, code: "token_revoked", message: "the Control Panel revoked this agent token; ask for a new one (iron token generate)" };
    }
    if (this.status === "expired" || (this.claims.exp !== undefined && this.claims.exp * 1000 <= now)) {
      return { status: 403, code: "token_expired", message: `the agent token expired at ${this.expiresAt ?? "(unknown)"}; ask for a new one (iron token generate)` };
    }
    return undefined;
  }
}
