import { z } from "zod";
import { readJsonFile, updateJsonFile } from "./json-file.js";

/** `~/.iron/config.json`. */
const Settings = z.object({ api_url: z.string().optional() });
export type Settings = z.infer<typeof Settings>;

export function readSettings(path: string): Promise<Settings> {
  return readJsonFile(path, Settings, {});
}

export async function saveDefaultApiUrl(path: string, apiUrl: string): Promise<void> {
  await updateJsonFile(path, Settings, {}, (settings) => ({ ...settings, api_url: apiUrl }));
}
