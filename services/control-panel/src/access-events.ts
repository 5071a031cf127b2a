import type { Pool, PoolClient } from "./db.js";

/**
 * A credential that stopped being valid: an API key revoked, a user disabled or their role changed. The change sends
 * `NOTIFY iron_access, 'key:<id>' | 'user:<id>'` in its own transaction (delivered only if it commits), and every
 * replica's event bus ends the live streams opened with it.
 */
export const ACCESS_CHANNEL = "iron_access";

export type AccessChange = { keyId: string } | { userId: string };

function accessPayload(change: AccessChange): string {
  return "keyId" in change ? `key:${change.keyId}` : `user:${change.userId}`;
}

export async function notifyAccessChange(db: Pool | PoolClient, change: AccessChange): Promise<void> {
  await db.query("SELECT pg_notify($1, $2)", [ACCESS_CHANNEL, accessPayload(change)]);
}
