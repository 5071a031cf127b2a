import { hostname } from "node:os";
import { API_KEY_PREFIX, CreateApiKeyResponse, Email, LoginResponse, Me } from "@iron/protocol";
import { saveCredential } from "../credentials.js";
import { usageError } from "../errors.js";
import { displayPath } from "../paths.js";
import { ask, readStdin } from "../prompt.js";
import { openSession, type GlobalOptions, type Session } from "../session.js";
import { saveDefaultApiUrl } from "../settings.js";

export interface LoginOptions extends GlobalOptions {
  apiKey?: string;
  email?: string;
  passwordStdin?: boolean;
}

/** Signs in with email + password and creates an API key for this machine, so the session does not expire. */
async function keyFromPassword(session: Session, options: LoginOptions): Promise<{ apiKey: string; keyId: string }> {
  const email = options.email ?? (await ask("Email: "));
  if (!Email.safeParse(email).success) throw usageError(`"${email}" is not an email address`, "give the email you sign in to the Control Panel with");
  const password = options.passwordStdin ? await readStdin() : await ask("Password: ", true);
  if (!password) throw usageError("the password is empty", "type it at the prompt, or pipe it to --password-stdin");
  const login = await session.call("Signing in", "POST", "/api/auth/login", { schema: LoginResponse, body: { email, password }, carriesSecret: true });
  const created = await session.call("Creating an API key", "POST", "/api/keys", {
    schema: CreateApiKeyResponse,
    body: { name: `iron cli on ${hostname()}`.slice(0, 100) },
    bearer: login.access_token,
  });
  return { apiKey: created.key, keyId: created.id };
}

export async function login(options: LoginOptions): Promise<void> {
  if (options.apiKey !== undefined && (options.email !== undefined || options.passwordStdin)) {
    throw usageError("--api-key cannot be combined with --email or --password-stdin", "sign in with an API key or with email and password, not both");
  }
  if (options.apiKey !== undefined && !options.apiKey.startsWith(API_KEY_PREFIX)) {
    throw usageError(`that is not an iron API key: keys start with ${API_KEY_PREFIX}`, "create one in the Control Panel (POST /api/keys) and pass it to --api-key");
  }
  const session = await openSession(options);
  const { apiKey, keyId } = options.apiKey !== undefined ? { apiKey: options.apiKey, keyId: undefined } : await keyFromPassword(session, options);
  const me = await session.call("Checking the key", "GET", "/api/auth/me", { schema: Me, bearer: apiKey });
  await saveCredential(session.paths.credentials, session.api.url, {
    api_key: apiKey,
    ...(keyId ? { key_id: keyId } : {}),
    email: me.user.email,
    saved_at: new Date().toISOString(),
  });
  if (session.api.source === "--api-url" || session.api.source === "IRON_API_URL") await saveDefaultApiUrl(session.paths.config, session.api.url);
  session.ui.result(
    { api_url: session.api.url, email: me.user.email, role: me.user.role, key_id: keyId ?? null, credentials_file: session.paths.credentials },
    () =>
      `${session.ui.style.green("Logged in")} to ${session.api.url} as ${me.user.email} (${me.user.role}).\n` +
      `The API key is saved in ${displayPath(session.paths.credentials)} (mode 0600).`,
  );
}
