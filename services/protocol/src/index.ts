/** The Iron Cage wire contract. Money is integer micro-USD (`*_micros`) everywhere. */
export * from "./errors.js";
