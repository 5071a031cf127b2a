/**
 * agent-only without a Control Panel: the stack signs its runtime's token itself (infra/agent-token.ts).
 * Under the mock runtime with zero secrets set; a second run keeps key and token; then the runtime is
 * started as a real process exactly as the stack's container would start it, and keeps the budget.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { readStackFile } from "../../infra/stack-file.js";
import { runRuntimeCli, startRuntimeProcess, type RuntimeProcess } from "../support/agent-runtime.js";
import { createTestIssuer } from "../support/agent-token.js";
import { startFakeLlm, type FakeLlm } from "../support/fake-llm.js";
import { stopAll } from "../support/processes.js";
import { envOf, failStack, find, plainOccurrences, repoRoot, runStack, secretFilesOf, unwrap, type StackRun } from "../support/pulumi-mocks.js";
import { containerDefinitions } from "./aws-support.js";

const CONTAINER = "docker:index/container:Container";
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await stopAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The runtime container's environment, each secret file's content under its NAME (the container gets NAME_FILE). */
const runtimeEnv = (run: StackRun) => {
  const container = find(run, CONTAINER, "agent-runtime");
  return { ...envOf(container), ...Object.fromEntries(Object.entries(secretFilesOf(container)).map(([name, f]) => [name, f.content])) };
};

describe("agent-only with no secret set", async () => {
  const statePath = join(tempDir("iron-agent-only-state-"), "state.json");
  const first = await runStack("agent-only", {}, { statePath });
  const second = await runStack("agent-only", {}, { statePath });

  it("ships a stack file with a budget and no secret", () => {
    const file = readStackFile(repoRoot, "agent-only")!;
    expect(file.secretKeys).toEqual([]);
    expect(file.iron.agentBudget).toBe(10);
  });

  it("signs the runtime's token itself with iron:agentBudget and hands it the public key set, telemetry off", () => {
    const env = runtimeEnv(first);
    expect(env.IRON_TELEMETRY).toBe("off");
    expect(env.IRON_CONTROL_PANEL_URL).toBeUndefined();
    expect(env.IRON_TRUST_UNVERIFIED_TOKEN).toBeUndefined();
    const claims = decodeJwt(env.IRON_TOKEN!);
    expect(claims).toMatchObject({ iss: "iron-control-panel", kind: "agent", budget_micros: 10_000_000, sub: "agent-only-agent" });
    const jwks = JSON.parse(env.IRON_JWKS!) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", kid: decodeProtectedHeader(env.IRON_TOKEN!).kid });
    expect(jwks.keys[0]!.d).toBeUndefined();
  });

  it("keeps the seed and the token secret", () => {
    const token = runtimeEnv(first).IRON_TOKEN!;
    for (const r of first.resources) expect(plainOccurrences(r.inputs, token), `${r.type} ${r.name}`).toEqual([]);
    expect(first.resources.map((r) => r.type)).toEqual(expect.arrayContaining(["random:index/randomBytes:RandomBytes", "random:index/randomUuid:RandomUuid"]));
  });

  it("yields the same key and token on a second run (nothing regenerated)", () => {
    expect(runtimeEnv(second).IRON_TOKEN).toBe(runtimeEnv(first).IRON_TOKEN);
    expect(runtimeEnv(second).IRON_JWKS).toBe(runtimeEnv(first).IRON_JWKS);
  });

  it("the runtime refuses to start (exit 2) when IRON_JWKS is not JSON or holds another key, naming IRON_JWKS", async () => {
    const token = runtimeEnv(first).IRON_TOKEN!;
    const stateDir = tempDir("iron-agent-only-badkeys-");
    const notJson = await runRuntimeCli(["serve", "--port", "0", "--state-dir", stateDir], { IRON_TOKEN: token, IRON_JWKS: "{not json" });
    expect(notJson.code).toBe(2);
    expect(notJson.output).toContain("IRON_JWKS is not JSON");
    const other = await createTestIssuer();
    const wrongKey = await runRuntimeCli(["serve", "--port", "0", "--state-dir", stateDir], { IRON_TOKEN: token, IRON_JWKS: JSON.stringify(other.jwks) });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.output).toMatch(/signature does not verify .*\(keys from IRON_JWKS\)/);
  });

  it("a budget raise re-signs the token with the same id and key", async () => {
    const raised = await runStack("agent-only", { agentBudget: 25.5 }, { statePath });
    const before = decodeJwt(runtimeEnv(first).IRON_TOKEN!);
    const after = decodeJwt(runtimeEnv(raised).IRON_TOKEN!);
    expect(after.budget_micros).toBe(25_500_000);
    expect(after.jti).toBe(before.jti);
    expect(runtimeEnv(raised).IRON_JWKS).toBe(runtimeEnv(first).IRON_JWKS);
  });
});

describe("agent-only config", () => {
  it("a panel-issued token works as before: reported to iron:controlPanelUrl, verified by the panel", async () => {
    const env = runtimeEnv(await runStack("agent-only", { agentToken: "eyJ.mock.token", controlPanelUrl: "https://panel.example.com" }));
    expect(env).toMatchObject({ IRON_TOKEN: "eyJ.mock.token", IRON_CONTROL_PANEL_URL: "https://panel.example.com" });
    expect(env.IRON_JWKS).toBeUndefined();
  });

  it("with iron:controlPanelUrl but telemetry off, the stack signs its own token", async () => {
    const env = runtimeEnv(await runStack("agent-only", { controlPanelUrl: "https://panel.example.com", telemetry: false }));
    expect(env.IRON_JWKS).toBeDefined();
    expect(env.IRON_CONTROL_PANEL_URL).toBeUndefined();
  });

  it("refuses a bad or missing budget, naming the key", async () => {
    expect(await failStack("agent-only", { agentBudget: "ten" })).toMatch(/iron:agentBudget: "ten" is a string, expected number/);
    expect(await failStack("agent-only", { agentBudget: 0 })).toMatch(/iron:agentBudget: 0 is too small/);
    expect(await failStack("agent-only", { agentBudget: undefined })).toMatch(/iron:agentBudget: required but not set; allowed: a number of US dollars/);
    expect(await failStack("full-platform", { agentBudget: 5 })).toMatch(/iron:agentBudget: applies only to a runtime without a Control Panel/);
  });

  it("on aws: the token in Secrets Manager, the public keys in the task's plain environment", async () => {
    const run = await runStack("agent-only", { target: "aws" });
    const [runtime] = containerDefinitions(run, "agent-runtime");
    expect(runtime!.secrets.map((s) => s.name)).toEqual(["IRON_TOKEN"]);
    const jwks = runtime!.environment.find((e) => e.name === "IRON_JWKS");
    expect(JSON.parse(jwks!.value) as unknown).toMatchObject({ keys: [{ kty: "OKP", crv: "Ed25519" }] });
    const version = run.resources.find((r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name === "agent-runtime-iron-token-value")!;
    expect(decodeJwt(unwrap(version.inputs.secretString) as string)).toMatchObject({ budget_micros: 10_000_000 });
    expect(plainOccurrences(version.inputs, ".")).toEqual([]);
  });
});

describe("the runtime as the stack starts it (a real process) keeps iron:agentBudget", () => {
  let fake: FakeLlm;
  let runtime: RuntimeProcess | undefined;
  const stateDir = tempDir("iron-agent-only-runtime-");
  const statePath = join(tempDir("iron-agent-only-state-"), "state.json");
  const chat = { model: "gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "hi" }] };
  const call = async () => (await fetch(`${runtime!.url}/openai/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat) })).status;

  /** The container's command and environment, with only the listen address, port and state dir made local. */
  async function startAsTheStackDoes(run: StackRun): Promise<RuntimeProcess> {
    const container = find(run, CONTAINER, "agent-runtime");
    const command = unwrap(container.inputs.command) as string[];
    expect(command.slice(0, 1)).toEqual(["serve"]);
    const args: string[] = [];
    for (let i = 1; i < command.length; i += 2) {
      if (command[i] === "--port" || command[i] === "--state-dir") continue;
      args.push(command[i]!, command[i] === "--host" ? "127.0.0.1" : command[i + 1]!);
    }
    // Its secrets as the container has them: files, named by NAME_FILE (here in a temp dir instead of /run/secrets).
    const secrets = tempDir("iron-agent-only-secrets-");
    const env = envOf(container);
    for (const [name, file] of Object.entries(secretFilesOf(container))) {
      const path = join(secrets, basename(file.file));
      writeFileSync(path, file.content, { mode: 0o400 });
      env[`${name}_FILE`] = path;
    }
    expect(env.IRON_TOKEN_FILE).toBeDefined();
    return startRuntimeProcess({ token: "", stateDir, args: [...args, "--openai-base-url", fake.openaiBaseUrl], env });
  }

  beforeAll(async () => {
    fake = await startFakeLlm();
  });
  afterAll(async () => {
    await runtime?.stop();
    await fake.close();
  });

  it("refuses a call past the budget, keeps the spend across a restart, and a budget raise adds to it", async () => {
    // $0.0002: a few gpt-4o-mini calls of 100 + 20 tokens, each reserving its 50-token output limit first.
    const small = await runStack("agent-only", { agentBudget: 0.0002 }, { statePath });
    runtime = await startAsTheStackDoes(small);
    const status = await runtime.status();
    expect(status.token.verification).toBe("verified");
    expect(status.budget_micros).toBe(200);
    expect(status.telemetry.state).not.toBe("on");

    let accepted = 0;
    while ((await call()) === 200) accepted += 1;
    expect(accepted).toBeGreaterThan(0);
    const hits = fake.totalHits();
    expect(await call()).toBe(402);
    expect(fake.totalHits()).toBe(hits);
    const spent = (await runtime.status()).spent_micros;
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(200);

    await runtime.stop();
    runtime = await startAsTheStackDoes(await runStack("agent-only", { agentBudget: 0.0002 }, { statePath }));
    expect((await runtime.status()).spent_micros).toBe(spent);
    expect(await call()).toBe(402);

    await runtime.stop();
    runtime = await startAsTheStackDoes(await runStack("agent-only", { agentBudget: 0.01 }, { statePath }));
    const raised = await runtime.status();
    expect(raised).toMatchObject({ budget_micros: 10_000, spent_micros: spent });
    expect(raised.token.id).toBe(status.token.id);
    expect(await call()).toBe(200);
    expect((await runtime.status()).spent_micros).toBeGreaterThan(spent);
  });

  it("passes postflight: token verified by the stack's own keys, telemetry off, one priced call", async () => {
    const outputs = join(tempDir("iron-agent-only-outputs-"), "outputs.json");
    writeFileSync(outputs, JSON.stringify({ strategy: "agent-only", target: "docker", mode: "production", packages: ["agent-runtime"], runtimeUrl: runtime!.url, sandboxNodes: [] }));
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "scripts/verify-deps.ts", "postflight", "--stack", "agent-only", "--outputs", outputs, "--call-model", "gpt-4o-mini", "--json"], { cwd: repoRoot },
        (err, out) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: out }));
    });
    const report = JSON.parse(stdout) as { checks: { id: string; status: string; found: string }[] };
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([["runtime-status", "ok"], ["runtime-call", "ok"]]);
    expect(report.checks[0]!.found).toMatch(/active, verified by jwks-env; .* telemetry off/);
    expect(code).toBe(0);
  });
});
