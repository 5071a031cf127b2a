import { EXIT, type ExitCode } from "./exit-codes.js";

/**
 * An error the CLI reports to the user and exits with. `message` says what happened, `hint` what to do about it.
 * `code` is a short machine-readable reason, printed in `--json` mode.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
    readonly code = "error",
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad flags or arguments: exit 2. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.usage, hint, "usage");
}
