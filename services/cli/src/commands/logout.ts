import { z } from "zod";
import { readCredential, removeCredential } from "../credentials.js";
import { CliError } from "../errors.js";
import { displayPath } from "../paths.js";
import { openSession, type GlobalOptions } from "../session.js";

/**
 * Forgets the key saved for this panel. A key that `iron login` created from a password is also revoked on the
 * panel; if the panel cannot be reached the local copy is removed anyway and the user is told the key still works.
 */
export async function logout(options: GlobalOptions): Promise<void> {
  const session = await openSession(options);
  const saved = await readCredential(session.paths.credentials, session.api.url);
  if (!saved) {
    session.ui.result({ api_url: session.api.url, logged_out: false, revoked_key_id: null }, () => `Not logged in to ${session.api.url}; nothing to do.`);
    return;
  }
  let revoked: string | null = null;
  let warning: string | undefined;
  if (saved.key_id) {
    try {
      await session.call("Revoking the API key", "DELETE", `/api/keys/${encodeURIComponent(saved.key_id)}`, { schema: z.unknown(), bearer: saved.api_key });
      revoked = saved.key_id;
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      warning = `could not revoke the API key ${saved.key_id} on the panel (${err.message}); it still works until an admin revokes it`;
    }
  }
  await removeCredential(session.paths.credentials, session.api.url);
  if (warning) session.ui.note(session.ui.style.yellow(`iron: warning: ${warning}`));
  session.ui.result(
    { api_url: session.api.url, logged_out: true, revoked_key_id: revoked, ...(warning ? { warning } : {}) },
    () => `Logged out of ${session.api.url}${revoked ? " (its API key is revoked)" : ""}; the key is removed from ${displayPath(session.paths.credentials)}.`,
  );
}
