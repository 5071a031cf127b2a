import { z } from "zod";
import { CreateTokenResponse } from "@iron/protocol";
import { readJsonFile, updateJsonFile } from "./json-file.js";

/** One agent token as `~/.iron/tokens` keeps it: the panel's answer to `POST /api/tokens`, and where it came from. */
export const SavedToken = CreateTokenResponse.extend({
  /** The panel that issued it. */
  api_url: z.string(),
  saved_at: z.string(),
});
export type SavedToken = z.infer<typeof SavedToken>;

const TokensFile = z.object({ version: z.literal(1), tokens: z.array(SavedToken) });
type TokensFile = z.infer<typeof TokensFile>;
const EMPTY: TokensFile = { version: 1, tokens: [] };

export async function readSavedTokens(path: string): Promise<SavedToken[]> {
  return (await readJsonFile(path, TokensFile, EMPTY)).tokens;
}

/** Adds (or replaces, by id) a token in the file. */
export async function saveToken(path: string, token: SavedToken): Promise<void> {
  await updateJsonFile(path, TokensFile, EMPTY, (file) => ({
    ...file,
    tokens: [...file.tokens.filter((t) => t.id !== token.id), token],
  }));
}

/** Removes a token by id; returns whether it was there. */
export async function forgetToken(path: string, id: string): Promise<boolean> {
  let found = false;
  await updateJsonFile(path, TokensFile, EMPTY, (file) => {
    found = file.tokens.some((t) => t.id === id);
    return { ...file, tokens: file.tokens.filter((t) => t.id !== id) };
  });
  return found;
}
