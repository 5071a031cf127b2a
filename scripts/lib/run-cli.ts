import { CommanderError, type Command } from "commander";

/**
 * Parses argv with `cli` (made with `.exitOverride()`) and runs `main` with its options; sets the exit code: main's,
 * commander's for usage errors and --help, 1 with `error: <message>` on stderr when main throws.
 */
export async function runCli<Options>(cli: Command, main: (opts: Options) => Promise<number>): Promise<void> {
  try {
    cli.parse();
    process.exitCode = await main(cli.opts<Options & Record<string, unknown>>());
  } catch (err) {
    if (err instanceof CommanderError) process.exitCode = err.exitCode;
    else {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
