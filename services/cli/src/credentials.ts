import { z } from "zod";
import { readJsonFile, updateJsonFile } from "./json-file.js";

/** An API key for one panel, as `~/.iron/credentials` keeps it. */
export const PanelCredential = z.object({
  api_key: z.string(),
  /** Set when `iron login` created the key from a password; `iron logout` then revokes it on the panel. */
  key_id: z.string().optional(),
  email: z.string().optional(),
  saved_at: z.string(),
});
export type PanelCredential = z.infer<typeof PanelCredential>;

/** Keyed by panel URL, so a key is only ever sent to the panel it came from. */
const CredentialsFile = z.object({ version: z.literal(1), panels: z.record(z.string(), PanelCredential) });
type CredentialsFile = z.infer<typeof CredentialsFile>;
const EMPTY: CredentialsFile = { version: 1, panels: {} };

export async function readCredential(path: string, apiUrl: string): Promise<PanelCredential | undefined> {
  return (await readJsonFile(path, CredentialsFile, EMPTY)).panels[apiUrl];
}

export async function saveCredential(path: string, apiUrl: string, credential: PanelCredential): Promise<void> {
  await updateJsonFile(path, CredentialsFile, EMPTY, (file) => ({ ...file, panels: { ...file.panels, [apiUrl]: credential } }));
}

export async function removeCredential(path: string, apiUrl: string): Promise<void> {
  await updateJsonFile(path, CredentialsFile, EMPTY, (file) => {
    const panels = { ...file.panels };
    delete panels[apiUrl];
    return { ...file, panels };
  });
}
