#!/usr/bin/env node
import { CommanderError } from "commander";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { buildProgram } from "./program.js";

/** A failure to read or write one of iron's files (e.g. EACCES on ~/.iron), as a message that names the file. */
function fileError(err: unknown): CliError | undefined {
  const { code, path, syscall } = (err ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== "string" || typeof path !== "string") return undefined;
  return new CliError(`cannot ${syscall ?? "use"} ${path}: ${code}`, EXIT.error, "check that HOME is right and that you own ~/.iron and may write to it", "file_error");
}

/** Prints an error the way the user asked for (text or `--json`) and returns the exit code. */
function report(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // commander has printed its message (and the help) already.
    // `iron help …` and `--help` are answers; help shown because a subcommand is missing (exitCode 1) is a usage error.
    const asked = err.code === "commander.helpDisplayed" || err.code === "commander.version" || (err.code === "commander.help" && err.exitCode === 0);
    return asked ? EXIT.ok : EXIT.usage;
  }
  const known = err instanceof CliError ? err : fileError(err);
  const message = known?.message ?? `unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  const exitCode = known?.exitCode ?? EXIT.error;
  if (json) {
    const error = { code: known?.code ?? "internal", message, ...(known?.hint ? { hint: known.hint } : {}), exit_code: exitCode };
    process.stderr.write(`${JSON.stringify({ error })}\n`);
  } else {
    process.stderr.write(`iron: error: ${message}\n${known?.hint ? `  fix: ${known.hint}\n` : ""}`);
  }
  return exitCode;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err, argv.includes("--json"));
  }
}

void main(process.argv);
