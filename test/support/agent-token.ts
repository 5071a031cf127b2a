import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

export interface TestIssuer {
  jwks: { keys: JWK[] };
  /** Writes the JWKS to `path` (for `--jwks-file`) and returns the path. */
  writeJwks(path: string): string;
  /** A signed agent token with the Control Panel's claims. */
  issue(budgetMicros: number, extra?: { expiresInSeconds?: number; jti?: string }): Promise<{ token: string; id: string }>;
}

/** Signs agent tokens the way the Control Panel does (EdDSA, `kid`, iss iron-control-panel), for tests that run the runtime alone. */
export async function createTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const jwks = { keys: [jwk] };
  return {
    jwks,
    writeJwks(path) {
      writeFileSync(path, JSON.stringify(jwks));
      return path;
    },
    async issue(budgetMicros, extra = {}) {
      const id = extra.jti ?? randomUUID();
      let jwt = new SignJWT({ budget_micros: budgetMicros, kind: "agent" })
        .setProtectedHeader({ alg: "EdDSA", kid })
        .setIssuer("iron-control-panel")
        .setSubject("agent-test")
        .setJti(id)
        .setIssuedAt();
      if (extra.expiresInSeconds !== undefined) jwt = jwt.setExpirationTime(Math.floor(Date.now() / 1000) + extra.expiresInSeconds);
      return { token: await jwt.sign(privateKey), id };
    },
  };
}
