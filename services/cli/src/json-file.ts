import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { writeFileAtomic, ensurePrivateDir } from "./atomic-file.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { withFileLock } from "./file-lock.js";
import { dirname } from "node:path";

/** Reads a JSON file of ours; a missing file is `empty`, a damaged one an error that names the file and the fix. */
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S, empty: z.infer<S>): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return empty;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`${path} is not a file iron can read (damaged or edited by hand)`, EXIT.error, `fix it, or move it away and let iron write a new one`);
  }
  return parsed.data;
}

/**
 * Read-modify-write of a JSON file under a lock, written atomically with mode 0600: concurrent `iron` processes
 * never lose each other's changes and readers never see a half-written file.
 */
export async function updateJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  empty: z.infer<S>,
  update: (current: z.infer<S>) => z.infer<S>,
): Promise<z.infer<S>> {
  await ensurePrivateDir(dirname(path));
  return withFileLock(`${path}.lock`, async () => {
    const next = update(await readJsonFile(path, schema, empty));
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  });
}
