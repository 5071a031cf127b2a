import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "./postgres.js";
import { startProcess, waitFor, waitForHttp, type RunningProcess } from "./processes.js";
import { freePort } from "./ports.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "../../services/control-panel/src/main.ts");
const NODE_ARGS = ["--import", "tsx", "--conditions=iron-source", MAIN];
const ADMIN = { email: "runtime-admin@example.com", password: "runtime admin password" };

/** The real Control Panel as a process (from source), on a fresh database, with an admin logged in over HTTP. */
export interface PanelProcess {
  url: string;
  /** An admin access token. */
  admin: string;
  /** Issues an agent token over the API. */
  issueToken(budgetMicros: number): Promise<{ id: string; token: string }>;
  /** GET `path` as the admin; returns the parsed JSON (throws on a non-2xx answer). */
  get<T>(path: string): Promise<T>;
  /** Any call, as the admin unless `bearer` is given; the status and parsed body whatever the answer (null when empty). */
  request<T>(method: string, path: string, body?: unknown, bearer?: string): Promise<{ status: number; json: T }>;
  revoke(tokenId: string): Promise<void>;
  /** Adds to a token's budget (PATCH /api/tokens/:id). */
  topUp(tokenId: string, addMicros: number): Promise<void>;
  /** Stops the process; `start()` brings it back on the same port, database and signing key. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPanelProcess(): Promise<PanelProcess> {
  const databaseUrl = await createTestDatabase("rtp");
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    DATABASE_URL: databaseUrl,
    IRON_MASTER_KEY: randomBytes(32).toString("base64url"),
    IRON_ADMIN_EMAIL: ADMIN.email,
    IRON_ADMIN_PASSWORD: ADMIN.password,
    IRON_LOG_LEVEL: "warn",
    IRON_LOGIN_RATE_LIMIT_MAX: "1000",
    IRON_RATE_LIMIT_MAX: "1000000",
    HOST: "127.0.0.1",
    PORT: String(port),
  };
  const migrate = startProcess(process.execPath, [...NODE_ARGS, "migrate"], { env });
  const code = await migrate.exited;
  if (code !== 0) throw new Error(`control panel migrate failed (${code}):\n${migrate.output()}`);

  const url = `http://127.0.0.1:${port}`;
  let proc: RunningProcess | undefined;
  const start = async () => {
    proc = startProcess(process.execPath, [...NODE_ARGS, "serve"], { env });
    try {
      await waitForHttp(`${url}/readyz`, 30_000);
    } catch (err) {
      throw new Error(`control panel did not become ready: ${(err as Error).message}\n${proc.output()}`);
    }
  };
  await start();

  const send = async (method: string, path: string, auth: string | undefined, body?: unknown): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const call = async <T>(method: string, path: string, auth: string | undefined, body?: unknown): Promise<T> => {
    const { status, text } = await send(method, path, auth, body);
    if (status < 200 || status > 299) throw new Error(`${method} ${path}: ${status} ${text}`);
    return JSON.parse(text) as T;
  };
  // The panel creates the first admin just after it becomes ready.
  let admin = "";
  await waitFor("the bootstrapped admin to log in", async () => {
    admin = (await call<{ access_token: string }>("POST", "/api/auth/login", undefined, ADMIN)).access_token;
    return true;
  });
  return {
    url,
    admin,
    issueToken: (budgetMicros) => call("POST", "/api/tokens", admin, { budget_micros: budgetMicros }),
    get: (path) => call("GET", path, admin),
    request: async <T>(method: string, path: string, body?: unknown, bearer = admin) => {
      const { status, text } = await send(method, path, bearer, body);
      return { status, json: (text ? JSON.parse(text) : null) as T };
    },
    revoke: async (tokenId) => void (await call("DELETE", `/api/tokens/${tokenId}`, admin)),
    topUp: async (tokenId, addMicros) => void (await call("PATCH", `/api/tokens/${tokenId}`, admin, { add_budget_micros: addMicros })),
    stop: async () => void (await proc?.stop()),
    start,
  };
}
