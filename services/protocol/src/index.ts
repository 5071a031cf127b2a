/** The Iron Cage wire contract. Money is integer micro-USD (`*_micros`) everywhere. */
export * from "./errors.js";
export * from "./money.js";
export * from "./auth.js";
export * from "./tokens.js";
export * from "./telemetry.js";
export * from "./usage.js";
export * from "./pricing.js";
export * from "./secret-files.js";
