/** Replaced with the package version when the bundle is built (scripts/bundle.mjs). */
declare const IRON_CLI_VERSION: string | undefined;

export const VERSION: string = typeof IRON_CLI_VERSION === "string" ? IRON_CLI_VERSION : "0.0.0-dev";
