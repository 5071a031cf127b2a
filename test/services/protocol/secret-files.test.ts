/** `<NAME>_FILE` (Docker's secrets convention) read against real files: set, missing, empty, a directory, both set. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSecretFiles } from "@iron/protocol";

const dir = mkdtempSync(join(tmpdir(), "iron-secret-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o400 });
  return path;
};

describe("readSecretFiles", () => {
  it("fills NAME from the file NAME_FILE names, without its trailing newline, and drops NAME_FILE", () => {
    const path = file("database_url", "postgres://u:hunter2@db:5432/iron\n");
    const read = readSecretFiles({ DATABASE_URL_FILE: path, PORT: "3000" }, ["DATABASE_URL"]);
    expect(read).toEqual({ env: { DATABASE_URL: "postgres://u:hunter2@db:5432/iron", PORT: "3000" }, problems: [] });
  });

  it("keeps inner whitespace and a value with no newline at all", () => {
    expect(readSecretFiles({ K_FILE: file("spaces", "a b\r\n\n") }, ["K"]).env.K).toBe("a b");
    expect(readSecretFiles({ K_FILE: file("bare", "x") }, ["K"]).env.K).toBe("x");
  });

  it("leaves a plain NAME alone, and ignores NAME_FILE for names it was not asked about", () => {
    const read = readSecretFiles({ IRON_TOKEN: "eyJ.a.b", IRON_JWKS_FILE: "/jwks.json" }, ["IRON_TOKEN"]);
    expect(read).toEqual({ env: { IRON_TOKEN: "eyJ.a.b", IRON_JWKS_FILE: "/jwks.json" }, problems: [] });
  });

  it("names the variable and the file when the file is missing, empty or a directory", () => {
    mkdirSync(join(dir, "a-directory"));
    const read = readSecretFiles({
      A_FILE: join(dir, "nope"), B_FILE: file("empty", ""), C_FILE: file("newline-only", "\n"), D_FILE: join(dir, "a-directory"),
    }, ["A", "B", "C", "D"]);
    expect(read.problems).toEqual([
      `A_FILE: ${join(dir, "nope")} does not exist; point it at a readable file that holds the secret`,
      `B_FILE: ${join(dir, "empty")} is empty; write the secret into it`,
      `C_FILE: ${join(dir, "newline-only")} is empty; write the secret into it`,
      `D_FILE: ${join(dir, "a-directory")} is a directory; point it at a readable file that holds the secret`,
    ]);
    expect(read.env).toEqual({});
  });

  it("refuses NAME and NAME_FILE both set, without showing the value", () => {
    const read = readSecretFiles({ IRON_MASTER_KEY: "the-plain-master-key-value", IRON_MASTER_KEY_FILE: file("key", "from-file") }, ["IRON_MASTER_KEY"]);
    expect(read.problems).toEqual(["IRON_MASTER_KEY and IRON_MASTER_KEY_FILE: both are set; set one (IRON_MASTER_KEY_FILE names a file holding the value)"]);
    expect(read.problems.join()).not.toMatch(/the-plain-master-key-value|from-file/);
  });

  it("counts empty strings as unset, on either side", () => {
    expect(readSecretFiles({ K: "", K_FILE: file("k", "v") }, ["K"])).toEqual({ env: { K: "v" }, problems: [] });
    expect(readSecretFiles({ K: "plain", K_FILE: "" }, ["K"])).toEqual({ env: { K: "plain" }, problems: [] });
  });
});
