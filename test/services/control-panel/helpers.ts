import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { buildApp, loadConfig, runMigrations, type Config, type ControlPanelApp } from "@iron/control-panel";
import type { TelemetryEvent } from "@iron/protocol";
import { createTestDatabase } from "../../support/postgres.js";

export const ADMIN_EMAIL = "admin@example.com";
export const ADMIN_PASSWORD = "correct horse battery staple";

/** The repository root and the panel's entry point, for tests that run it as a process. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const MAIN_TS = `${REPO_ROOT}services/control-panel/src/main.ts`;
/** Runs the panel's CLI from source, as `node dist/main.js` runs it after a build. */
export const NODE_SOURCE_ARGS = ["--import", "tsx", "--conditions=iron-source", MAIN_TS];

export function testEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    IRON_MASTER_KEY: randomBytes(32).toString("base64url"),
    IRON_ADMIN_EMAIL: ADMIN_EMAIL,
    IRON_ADMIN_PASSWORD: ADMIN_PASSWORD,
    IRON_LOG_LEVEL: "silent",
    IRON_LOGIN_RATE_LIMIT_MAX: "1000",
    HOST: "127.0.0.1",
    PORT: "0",
    ...extra,
  };
}

export interface Panel {
  app: ControlPanelApp;
  config: Config;
  databaseUrl: string;
  /** An admin access token. */
  admin: string;
  /** `Authorization` header for a credential. */
  auth(credential: string): { authorization: string };
  login(email: string, password: string): Promise<string>;
  /** Creates a user with `role` and returns an access token for it plus its id. */
  user(role: "admin" | "user" | "viewer"): Promise<{ id: string; token: string; email: string }>;
  /** Issues an agent token with `budget_micros` as `by` (an access token). */
  agentToken(by: string, budget_micros: number, extra?: Record<string, unknown>): Promise<{ id: string; token: string; agent_id: string }>;
  close(): Promise<void>;
}

/** A migrated database and a built (not listening) app with the first admin bootstrapped. */
export async function startPanel(extraEnv: Record<string, string> = {}): Promise<Panel> {
  const databaseUrl = await createTestDatabase("cp");
  await runMigrations(databaseUrl);
  const config = loadConfig(testEnv(databaseUrl, extraEnv));
  const app = await buildApp(config);
  const { bootstrapAdmin } = await import("../../../services/control-panel/src/routes/users.js");
  await bootstrapAdmin(app.ctx, config.admin!);
  const auth = (c: string) => ({ authorization: `Bearer ${c}` });
  const login = async (email: string, password: string) => {
    const res = await app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return (res.json() as { access_token: string }).access_token;
  };
  const admin = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  return {
    app,
    config,
    databaseUrl,
    admin,
    auth,
    login,
    async user(role) {
      const email = `${role}-${randomBytes(4).toString("hex")}@example.com`;
      const password = "password-" + randomBytes(6).toString("hex");
      const res = await app.inject({ method: "POST", url: "/api/users", headers: auth(admin), payload: { email, password, role } });
      if (res.statusCode !== 201) throw new Error(`create user failed: ${res.statusCode} ${res.body}`);
      return { id: (res.json() as { id: string }).id, token: await login(email, password), email };
    },
    async agentToken(by, budget_micros, extra = {}) {
      const res = await app.inject({ method: "POST", url: "/api/tokens", headers: auth(by), payload: { budget_micros, ...extra } });
      if (res.statusCode !== 201) throw new Error(`create token failed: ${res.statusCode} ${res.body}`);
      return res.json() as { id: string; token: string; agent_id: string };
    },
    close: () => app.close(),
  };
}

export function event(overrides: Partial<TelemetryEvent> = {}): TelemetryEvent {
  return {
    event_id: randomUUID(),
    ts: new Date().toISOString(),
    type: "llm_call",
    provider: "openai",
    model: "gpt-4o-mini",
    input_tokens: 100,
    output_tokens: 20,
    cost_micros: 1234,
    latency_ms: 250,
    ...overrides,
  };
}

/** A Server-Sent Events response read as text as it arrives. */
export async function openEventStream(base: string, path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${base}${path}`, { headers, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let ended = false;
  const readMore = async (): Promise<boolean> => {
    const { value, done } = await reader.read();
    if (done) ended = true;
    else text += decoder.decode(value, { stream: true });
    return !done;
  };
  return {
    res,
    text: () => text,
    async readUntil(needle: string) {
      while (!text.includes(needle)) if (!(await readMore())) throw new Error(`stream ended before ${needle}:\n${text}`);
    },
    /** Resolves with the whole text once the server ends the stream. */
    async ended(): Promise<string> {
      while (!ended) await readMore();
      return text;
    },
    close: () => controller.abort(),
  };
}
