import pg from "pg";
import { z } from "zod";

export const PILOT_AGENT = "pilot-agent";
export const PILOT_AGENT_BUDGET_USD = 10;

export async function adminExists(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

const Login = z.object({ access_token: z.string() });
const Issued = z.object({ id: z.string(), token: z.string() });

/** Signs in as the new admin and issues the token the pilot's runtime proxy spends, through the panel's own API. */
export async function issuePilotAgentToken(panelUrl: string, email: string, password: string): Promise<{ id: string; token: string }> {
  const call = async (path: string, body: unknown, auth?: string): Promise<unknown> => {
    const res = await fetch(`${panelUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`the Control Panel refused ${path} (${res.status}): ${await res.text()}`);
    return res.json();
  };
  const { access_token } = Login.parse(await call("/api/auth/login", { email, password }));
  const budget_micros = PILOT_AGENT_BUDGET_USD * 1_000_000;
  return Issued.parse(await call("/api/tokens", { budget_micros, name: "pilot runtime", agent_id: PILOT_AGENT }, access_token));
}
