import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.js";
import type { Pool } from "./db.js";
import type { KeyRing } from "./keys.js";
import type { EventBus } from "./event-bus.js";
import type { PanelMetrics } from "./metrics.js";

/** What routes need: configuration, the database pool, the signing keys, the live event bus and the metrics. */
export interface Context {
  config: Config;
  pool: Pool;
  keys: KeyRing;
  bus: EventBus;
  log: FastifyBaseLogger;
  metrics: PanelMetrics;
}
