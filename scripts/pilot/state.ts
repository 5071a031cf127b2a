import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

/** What the pilot keeps in `<data dir>/pilot.json` (mode 0600): its secrets and the pilot agent's token. */
const PilotState = z.object({
  version: z.literal(1),
  masterKey: z.string().min(32),
  postgresPassword: z.string().min(16),
  agentToken: z.object({ id: z.string(), token: z.string() }).optional(),
});
export type PilotState = z.infer<typeof PilotState>;

export async function loadState(file: string): Promise<PilotState> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    const fresh: PilotState = { version: 1, masterKey: secret(48), postgresPassword: secret(24) };
    await saveState(file, fresh);
    return fresh;
  }
  const parsed = PilotState.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a pilot state file (${parsed.error.issues[0]?.message}); move it away to start from scratch`);
  return parsed.data;
}

export async function saveState(file: string, state: PilotState): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export function secret(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}
