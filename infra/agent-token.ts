/**
 * The agent token of a stack without a Control Panel (agent-only): the stack
 * is its own issuer. A random seed and token id live in Pulumi state as
 * secrets (created once); the Ed25519 key, its public key set and the signed
 * token are pure functions of them and of iron:agentBudget. Ed25519 signatures
 * are deterministic, so a second `up` yields the very same token, and a budget
 * raise yields a new token with the same id: the runtime's ledger, keyed by
 * that id, keeps its spend.
 */
import { createHash, createPrivateKey, createPublicKey, sign } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AgentTokenClaims } from "@iron/protocol";

/** The claims' issuer, as services/protocol names it: the runtime verifies tokens of this issuer only. */
const TOKEN_ISSUER: AgentTokenClaims["iss"] = "iron-control-panel";
/** PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface SignedAgentToken {
  /** The JWT the runtime gets as IRON_TOKEN. */
  token: string;
  /** `{ "keys": [ … ] }` with the public key only: the runtime verifies the token against it (IRON_JWKS). */
  jwks: string;
}

export interface AgentTokenInput {
  /** 32 random bytes. */
  seed: Buffer;
  tokenId: string;
  agentId: string;
  budgetMicros: number;
}

/** Signs the agent token; the same input always gives the same token. */
export function signAgentToken(input: AgentTokenInput): SignedAgentToken {
  if (input.seed.length !== 32) throw new Error(`the signing seed must be 32 bytes, got ${input.seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, input.seed]), format: "der", type: "pkcs8" });
  const publicJwk = createPublicKey(privateKey).export({ format: "jwk" });
  const kid = `stack-${createHash("sha256").update(String(publicJwk.x)).digest("base64url").slice(0, 16)}`;
  const claims: AgentTokenClaims = {
    iss: TOKEN_ISSUER,
    jti: input.tokenId,
    sub: input.agentId,
    budget_micros: input.budgetMicros,
    kind: "agent",
    // Fixed, not the time of the run: the token must not change between `up`s. Nothing reads iat.
    iat: 0,
  };
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode({ alg: "EdDSA", kid, typ: "JWT" })}.${encode(claims)}`;
  const signature = sign(null, Buffer.from(signingInput), privateKey).toString("base64url");
  return {
    token: `${signingInput}.${signature}`,
    jwks: JSON.stringify({ keys: [{ ...publicJwk, kid, alg: "EdDSA", use: "sig" }] }),
  };
}

export interface StackAgentToken {
  token: pulumi.Output<string>;
  jwks: pulumi.Output<string>;
  tokenId: pulumi.Output<string>;
}

/** The seed and token id as resources in state (created on the first `up`, kept after), and the token signed from them. */
export function stackAgentToken(name: string, args: { agentId: string; budgetUsd: number }, parent: pulumi.Resource): StackAgentToken {
  const seed = new random.RandomBytes(`${name}-signing-seed`, { length: 32 }, { parent, additionalSecretOutputs: ["base64", "hex"] });
  const id = new random.RandomUuid(`${name}-id`, {}, { parent });
  const budgetMicros = Math.round(args.budgetUsd * 1_000_000);
  const signed = pulumi.secret(pulumi.all([seed.base64, id.result]).apply(([base64, tokenId]) =>
    signAgentToken({ seed: Buffer.from(base64, "base64"), tokenId, agentId: args.agentId, budgetMicros })));
  return {
    token: pulumi.secret(signed.apply((s) => s.token)),
    // The public key set is not a secret; unsecret keeps it readable in the plan and the container's plain env.
    jwks: pulumi.unsecret(signed.apply((s) => s.jwks)),
    tokenId: id.result,
  };
}
