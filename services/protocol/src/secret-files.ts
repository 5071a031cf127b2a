/**
 * The Docker/Compose secrets convention: a secret `NAME` may instead be given as a file, `NAME_FILE=/run/secrets/name`,
 * so its value never appears in the container's environment (`docker inspect`). Both services read their secrets
 * through this; the messages name the variables and the file, never the value.
 */
import { readFileSync } from "node:fs";

export const SECRET_FILE_SUFFIX = "_FILE";

export interface SecretFilesRead {
  /** The environment with each `NAME` filled from its `NAME_FILE` (which is dropped). */
  env: Record<string, string | undefined>;
  /** One line per variable that could not be read, `NAME_FILE: what is wrong and what to change`. */
  problems: string[];
}

/** Reads `NAME` from the file `NAME_FILE` names, for each of `names`, when `NAME` itself is unset. Empty counts as unset. */
export function readSecretFiles(env: Record<string, string | undefined>, names: readonly string[]): SecretFilesRead {
  const out: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const fileVar = `${name}${SECRET_FILE_SUFFIX}`;
    const path = env[fileVar];
    delete out[fileVar];
    if (path === undefined || path === "") continue;
    if (env[name] !== undefined && env[name] !== "") {
      problems.push(`${name} and ${fileVar}: both are set; set one (${fileVar} names a file holding the value)`);
      continue;
    }
    const read = readSecretFile(path);
    if ("problem" in read) problems.push(`${fileVar}: ${read.problem}`);
    else out[name] = read.value;
  }
  return { env: out, problems };
}

/** The file's text without its trailing newlines (as `echo … > file` and `$(< file)` have it), or what is wrong with it. */
function readSecretFile(path: string): { value: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable by this user" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? (err as Error).message})`;
    return { problem: `${path} ${why}; point it at a readable file that holds the secret` };
  }
  const value = text.replace(/[\r\n]+$/, "");
  if (value === "") return { problem: `${path} is empty; write the secret into it` };
  return { value };
}
