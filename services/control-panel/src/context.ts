import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.js";
import type { Pool } from "./db.js";
import type { KeyRing } from "./keys.js";
import type { EventBus } from "./event-bus.js";

/** What routes need: configuration, the database pool, the signing keys and the live event bus. */
export interface Context {
  config: Config;
  pool: Pool;
  keys: KeyRing;
  bus: EventBus;
  log: FastifyBaseLogger;
}
