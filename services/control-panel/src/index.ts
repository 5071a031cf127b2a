/** The Control Panel as a library: build or start it in-process (the pilot does), or run its migrations. */
export { buildApp, startServer, createLogger, loggerOptions, type BuildOptions, type ControlPanelApp, type RunningServer } from "./app.js";
export { loadConfig, ConfigError, type Config } from "./config.js";
export { runMigrations, MIGRATIONS, REQUIRED_SCHEMA_VERSION, type MigrationResult } from "./migrations.js";
export { KeyRing, deriveSigningKey } from "./keys.js";
export { VERSION } from "./version.js";
