/**
 * `iron-runtime serve` takes its secrets from `<NAME>_FILE` files (the docker target mounts them so): a real
 * process, real files, a real call through the proxy with the provider key read from its file.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runRuntimeCli, startRuntimeProcess } from "../../support/agent-runtime.js";
import { chat, post, tempDir, usePeers } from "./helpers.js";

const peers = usePeers();
const secretFile = (name: string, content: string) => {
  const path = join(tempDir("iron-rt-secrets-"), name);
  writeFileSync(path, content, { mode: 0o400 });
  return path;
};

describe("the runtime's secrets as files", () => {
  it("reads IRON_TOKEN_FILE and OPENAI_API_KEY_FILE, and sends the key from its file upstream", async () => {
    const { token, id } = await peers.issuer.issue(1_000_000);
    const runtime = await startRuntimeProcess({
      token: "",
      stateDir: tempDir(),
      args: ["--jwks-file", peers.jwksFile, "--openai-base-url", peers.fake.openaiBaseUrl, "--log-level", "warn"],
      env: { IRON_TOKEN_FILE: secretFile("iron_token", `${token}\n`), OPENAI_API_KEY_FILE: secretFile("openai_api_key", "sk-from-a-secret-file\n") },
    });
    try {
      expect((await runtime.status()).token).toMatchObject({ id, verification: "verified" });
      const call = await post(`${runtime.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 20), { authorization: "Bearer sk-the-callers-own" });
      expect(call.status).toBe(200);
      expect(peers.fake.lastRequest["/v1/chat/completions"]?.headers.authorization).toBe("Bearer sk-from-a-secret-file");
    } finally {
      await runtime.stop();
    }
  });

  it("exits 2 naming the variable and the file: both set, missing, empty", async () => {
    const { token } = await peers.issuer.issue(1000);
    const serve = ["serve", "--state-dir", tempDir(), "--jwks-file", peers.jwksFile];
    const both = await runRuntimeCli(serve, { IRON_TOKEN: token, IRON_TOKEN_FILE: secretFile("t", token) });
    expect(both.code).toBe(2);
    expect(both.output).toContain("IRON_TOKEN and IRON_TOKEN_FILE: both are set");
    expect(both.output).not.toContain(token);

    const missing = join(tempDir(), "iron_token");
    const gone = await runRuntimeCli(serve, { IRON_TOKEN_FILE: missing });
    expect(gone.code).toBe(2);
    expect(gone.output).toContain(`IRON_TOKEN_FILE: ${missing} does not exist`);

    const empty = await runRuntimeCli(serve, { IRON_TOKEN: token, ANTHROPIC_API_KEY_FILE: secretFile("anthropic_api_key", "") });
    expect(empty.code).toBe(2);
    expect(empty.output).toMatch(/ANTHROPIC_API_KEY_FILE: .*anthropic_api_key is empty/);
  });
});
