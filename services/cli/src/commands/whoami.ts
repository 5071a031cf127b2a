import { Me } from "@iron/protocol";
import { displayPath } from "../paths.js";
import { openSession, type GlobalOptions } from "../session.js";
import { renderFields } from "../table.js";

export async function whoami(options: GlobalOptions): Promise<void> {
  const session = await openSession(options);
  const credential = await session.credential();
  const me = await session.call("Asking the panel", "GET", "/api/auth/me", { schema: Me, bearer: credential.apiKey });
  const from = credential.source === "IRON_API_KEY" ? "IRON_API_KEY" : displayPath(session.paths.credentials);
  session.ui.result({ api_url: session.api.url, user: me.user, credential: me.credential, key_from: credential.source }, () =>
    renderFields([
      ["Email", me.user.email],
      ["Role", me.user.role],
      ["User id", me.user.id],
      ["Panel", `${session.api.url} (${session.api.source})`],
      ["Key from", from],
    ]),
  );
}
