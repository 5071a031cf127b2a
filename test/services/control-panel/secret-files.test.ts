/** The Control Panel reads its secrets from `<NAME>_FILE` files (the docker target passes them so), against real files. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@iron/control-panel";
import { loadDatabaseUrl } from "../../../services/control-panel/src/config.js";

const dir = mkdtempSync(join(tmpdir(), "iron-panel-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o400 });
  return path;
};
const DB = "postgres://control-panel:pw123@control-panel-db:5432/control-panel";
const KEY = "k".repeat(48);

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("the panel's secrets as files", () => {
  it("reads every secret from its file, as the docker target mounts them", () => {
    const config = loadConfig({
      DATABASE_URL_FILE: file("database_url", `${DB}\n`),
      REDIS_URL_FILE: file("redis_url", "redis://:pw@control-panel-cache:6379"),
      IRON_MASTER_KEY_FILE: file("iron_master_key", KEY),
      IRON_PREVIOUS_MASTER_KEYS_FILE: file("previous", `${"p".repeat(40)},${"q".repeat(40)}\n`),
      IRON_ADMIN_EMAIL: "admin@iron.local",
      IRON_ADMIN_PASSWORD_FILE: file("iron_admin_password", "admin-password-1"),
    });
    expect(config).toMatchObject({
      databaseUrl: DB, redisUrl: "redis://:pw@control-panel-cache:6379", masterKey: KEY,
      previousMasterKeys: ["p".repeat(40), "q".repeat(40)], admin: { email: "admin@iron.local", password: "admin-password-1" },
    });
    expect(loadDatabaseUrl({ DATABASE_URL_FILE: file("database_url_2", DB) })).toBe(DB);
  });

  it("validates a value from a file like one from the environment", () => {
    expect(problemsOf({ DATABASE_URL_FILE: file("mysql", "mysql://x"), IRON_MASTER_KEY: KEY })).toEqual([
      "DATABASE_URL: must be a PostgreSQL URL such as postgres://user:password@host:5432/iron",
    ]);
  });

  it("refuses a missing or empty file and NAME with NAME_FILE, naming them and never the value", () => {
    const missing = join(dir, "missing");
    const problems = problemsOf({ DATABASE_URL: DB, DATABASE_URL_FILE: file("db", DB), IRON_MASTER_KEY_FILE: missing, IRON_ADMIN_PASSWORD_FILE: file("empty", "") });
    expect(problems).toEqual([
      "DATABASE_URL and DATABASE_URL_FILE: both are set; set one (DATABASE_URL_FILE names a file holding the value)",
      `IRON_MASTER_KEY_FILE: ${missing} does not exist; point it at a readable file that holds the secret`,
      `IRON_ADMIN_PASSWORD_FILE: ${join(dir, "empty")} is empty; write the secret into it`,
    ]);
    expect(problems.join()).not.toContain("pw123");
    expect(() => loadDatabaseUrl({ DATABASE_URL_FILE: missing })).toThrow(/DATABASE_URL_FILE: .* does not exist/);
  });
});
