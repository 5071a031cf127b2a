import type { z } from "zod";
import { assertSafeForCredentials, resolveApiUrl, type ResolvedApiUrl } from "./api-url.js";
import { readCredential } from "./credentials.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { PanelClient, type RequestOptions } from "./panel-client.js";
import { displayPath, ironPaths, type IronPaths } from "./paths.js";
import { readSettings } from "./settings.js";
import { withSpinner } from "./spinner.js";
import { makeUi, type Ui } from "./ui.js";

/** The options every command accepts (declared on the program). */
export interface GlobalOptions {
  apiUrl?: string;
  insecure?: boolean;
  json?: boolean;
}

export interface ApiKeyCredential {
  apiKey: string;
  source: "IRON_API_KEY" | "credentials file";
}

/** Everything a command needs: where the panel is, how to talk to it and to the user, and where iron's files are. */
export interface Session {
  paths: IronPaths;
  api: ResolvedApiUrl;
  insecure: boolean;
  ui: Ui;
  /** IRON_API_KEY, else the key saved by `iron login` for this panel; exit 4 when there is none. */
  credential(): Promise<ApiKeyCredential>;
  /**
   * A request with a spinner. One that carries a secret (a `bearer`, or `carriesSecret` for a password in the body)
   * is checked against the plain-http rule before anything is sent.
   */
  call<S extends z.ZodType>(label: string, method: string, path: string, options: RequestOptions<S> & { carriesSecret?: boolean }): Promise<z.infer<S>>;
}

export async function openSession(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Session> {
  const ui = makeUi(options.json === true);
  const paths = ironPaths();
  const settings = await readSettings(paths.config);
  const api = resolveApiUrl(options.apiUrl, env.IRON_API_URL || undefined, settings.api_url);
  const insecure = options.insecure === true;
  const client = new PanelClient({
    api,
    onRetry: (n) => ui.note(ui.style.yellow(`iron: ${n.url}: ${n.reason}; retrying in ${(n.waitMs / 1000).toFixed(1)} s (attempt ${n.attempt + 1} of ${n.attempts})`)),
  });
  return {
    paths,
    api,
    insecure,
    ui,
    async credential() {
      const fromEnv = env.IRON_API_KEY;
      if (fromEnv) return { apiKey: fromEnv, source: "IRON_API_KEY" };
      const saved = await readCredential(paths.credentials, api.url);
      if (saved) return { apiKey: saved.api_key, source: "credentials file" };
      throw new CliError(
        `not logged in to the Control Panel at ${api.url} (no key for it in ${displayPath(paths.credentials)}, and IRON_API_KEY is not set)`,
        EXIT.auth,
        `run \`iron login --api-url ${api.url}\` (or \`iron login --api-key <key>\`), or set IRON_API_KEY`,
        "not_logged_in",
      );
    },
    async call(label, method, path, requestOptions) {
      if (requestOptions.bearer !== undefined || requestOptions.carriesSecret) assertSafeForCredentials(api.url, insecure);
      const { body } = await withSpinner(label, ui.interactive, () => client.request(method, path, requestOptions));
      return body;
    },
  };
}
