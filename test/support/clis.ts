/**
 * Both CLIs as one shape, for the tests that hold them to the same behaviour: the TypeScript `iron` and the Python
 * `iron-cli-py` from each venv of SUITE_PY_VENVS (oldest and newest Python, minimum and newest dependencies).
 */
import { DEFAULT_RETRY } from "@iron/cli";
import { IRON_BIN, runIron, type IronResult, type RunOptions } from "./iron-cli.js";
import { installIronPy, runIronPy, SUITE_PY_VENVS, venvLabel } from "./iron-cli-py.js";

export interface CliUnderTest {
  /** For test names: "iron" or "iron-cli-py on Python 3.8.18 (pyenv), minimum dependencies". */
  label: string;
  /** The command the CLI names in its own hints ("run `iron login`"). */
  command: "iron" | "iron-cli-py";
  /** How the API key that `login` with a password creates is named: "<this> on <hostname>". */
  keyNamePrefix: string;
  /** The backoff base: retry n waits a random time in [base·2^(n-1)/2, base·2^(n-1)). */
  baseDelayMs: number;
  executable(): Promise<string>;
  run(args: string[], options?: Omit<RunOptions, "executable">): Promise<IronResult>;
}

export const TYPESCRIPT_CLI: CliUnderTest = {
  label: "iron",
  command: "iron",
  keyNamePrefix: "iron cli",
  baseDelayMs: DEFAULT_RETRY.baseDelayMs,
  executable: () => Promise.resolve(IRON_BIN),
  run: (args, options = {}) => runIron(args, options),
};

export const PYTHON_CLIS: CliUnderTest[] = SUITE_PY_VENVS.map((venv) => ({
  label: `iron-cli-py on ${venvLabel(venv)}`,
  command: "iron-cli-py",
  keyNamePrefix: "iron-cli-py",
  baseDelayMs: 300, // DEFAULT_RETRY in services/cli-py/src/iron_cli_py/retry.py
  executable: async () => (await installIronPy(venv)).executable,
  run: (args, options = {}) => runIronPy(venv, args, options),
}));

export const CLIS: CliUnderTest[] = [TYPESCRIPT_CLI, ...PYTHON_CLIS];
