import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "./postgres.js";
import { stopAll } from "./processes.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of a PostgreSQL maintenance database where test files create their own databases. */
    pgAdminUrl: string;
  }
}

/** Starts one PostgreSQL for the whole run unless `DATABASE_URL` points at one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide("pgAdminUrl", process.env.DATABASE_URL);
    return async () => stopAll();
  }
  const server = await startEmbeddedPostgres();
  project.provide("pgAdminUrl", server.url);
  return async () => {
    await stopAll();
    await server.destroy();
  };
}
