import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, jwtVerify, SignJWT, type JWK, type JWTPayload, type JWTVerifyResult } from "jose";
import { TOKEN_ISSUER } from "@iron/protocol";

/**
 * JWT signing keys are Ed25519 keys derived deterministically from the master secret
 * (HKDF-SHA256, fixed salt and info), so every replica signs with the same key and no private
 * key is ever stored. Rotating `IRON_MASTER_KEY` rotates the signing key; the old secret listed in
 * `IRON_PREVIOUS_MASTER_KEYS` keeps its public key in the JWKS so tokens it signed still verify.
 */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

const VERIFIED_CACHE_SIZE = 10_000;
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export async function deriveSigningKey(masterKey: string): Promise<SigningKey> {
  const seed = Buffer.from(hkdfSync("sha256", masterKey, "iron-control-panel", "jwt-signing-key:ed25519:v1", 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: "EdDSA", use: "sig" } };
}

export class KeyRing {
  private constructor(
    readonly current: SigningKey,
    private readonly byKid: Map<string, SigningKey>,
  ) {}

  static async create(masterKey: string, previous: string[] = []): Promise<KeyRing> {
    const current = await deriveSigningKey(masterKey);
    const all = [current, ...(await Promise.all(previous.map(deriveSigningKey)))];
    return new KeyRing(current, new Map(all.map((k) => [k.kid, k])));
  }

  /** The JWKS document served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return { keys: [...this.byKid.values()].map((k) => k.publicJwk) };
  }

  async sign(claims: JWTPayload, options: { expiresAt?: Date; audience?: string } = {}): Promise<string> {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", kid: this.current.kid, typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setIssuedAt();
    if (options.expiresAt) jwt.setExpirationTime(Math.floor(options.expiresAt.getTime() / 1000));
    if (options.audience) jwt.setAudience(options.audience);
    return jwt.sign(this.current.privateKey);
  }

  /**
   * Verifies signature, issuer and expiry; throws jose errors (`ERR_JWT_EXPIRED`, …) otherwise.
   * Agents present the same token on every call, so verified tokens are remembered (keyed by the whole
   * token string, bounded); a remembered token is still checked for expiry on every call.
   */
  async verify(token: string, options: { expiryGraceSeconds?: number } = {}): Promise<JWTPayload> {
    const grace = options.expiryGraceSeconds ?? 0;
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.exp === undefined || (cached.exp + grace) * 1000 > Date.now()) return cached;
      if (grace === 0) this.verified.delete(token);
    }
    const { payload } = await this.verifyUncached(token, grace);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, payload);
    return payload;
  }

  private readonly verified = new Map<string, JWTPayload>();

  private verifyUncached(token: string, expiryGraceSeconds: number): Promise<JWTVerifyResult> {
    return jwtVerify(
      token,
      (header) => {
        const key = header.kid ? this.byKid.get(header.kid) : undefined;
        if (!key) throw Object.assign(new Error("unknown signing key"), { code: "ERR_JWKS_NO_MATCHING_KEY" });
        return key.publicKey;
      },
      { issuer: TOKEN_ISSUER, algorithms: ["EdDSA"], ...(expiryGraceSeconds ? { clockTolerance: expiryGraceSeconds } : {}) },
    );
  }
}
