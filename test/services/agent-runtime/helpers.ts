import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";
import { createTestIssuer, type TestIssuer } from "../../support/agent-token.js";
import { stopAll } from "../../support/processes.js";

/** A fresh temp directory for a runtime's state (SQLite) and files. */
export function tempDir(prefix = "iron-rt-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** POSTs JSON to a daemon route and returns status, headers and parsed body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, headers: res.headers, json };
}

export const chat = (model: string, maxTokens: number, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: maxTokens,
  messages: [{ role: "user", content: "Say hello." }],
  ...extra,
});

export interface Peers {
  fake: FakeLlm;
  issuer: TestIssuer;
  /** The issuer's public keys, for `--jwks-file`. */
  jwksFile: string;
}

/** For a test file: a fake LLM upstream and a token issuer before its tests; every process stopped and the fake closed after. */
export function usePeers(): Peers {
  const peers = {} as Peers;
  beforeAll(async () => {
    peers.fake = await startFakeLlm();
    peers.issuer = await createTestIssuer();
    peers.jwksFile = peers.issuer.writeJwks(join(tempDir(), "jwks.json"));
  });
  afterAll(async () => {
    await stopAll();
    await peers.fake.close();
  });
  return peers;
}
