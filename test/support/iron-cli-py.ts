import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEPENDENCY_SETS, ensureVenv, venvLabel, type InstalledVenv, type PyVenv } from "./cli-py-venvs.js";
import { runIron, type IronResult, type RunOptions } from "./iron-cli.js";
import { oldestAndNewest, supportedInterpreters } from "./python-interpreters.js";

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const PACKAGE = join(REPO, "services/cli-py");
export const CLI_PY_VERSION = "0.1.0";
/** The wheel `sh services/cli-py/build.sh` writes. */
export const CLI_PY_WHEEL = join(PACKAGE, `dist/artifacts/iron_cli_py-${CLI_PY_VERSION}-py3-none-any.whl`);
/** What build.sh needs (it builds offline with Debian's Python). */
const BUILD_PACKAGES = "python3 python3-pip python3-setuptools python3-wheel";

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "__pycache__") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let wheelBuilt: Promise<string> | undefined;

/** Builds the wheel when it is missing or older than its sources (CI builds it before the tests); returns its path. */
export function ensureWheel(): Promise<string> {
  wheelBuilt ??= (async () => {
    const sourcesChanged = () => Math.max(newestSource(join(PACKAGE, "src")), statSync(join(PACKAGE, "pyproject.toml")).mtimeMs) > statSync(CLI_PY_WHEEL).mtimeMs;
    if (existsSync(CLI_PY_WHEEL) && !sourcesChanged()) return CLI_PY_WHEEL;
    try {
      await run("sh", [join(PACKAGE, "build.sh")]);
    } catch (err) {
      throw new Error(`sh services/cli-py/build.sh failed (it needs /usr/bin/python3 with pip, setuptools and wheel: apt-get install ${BUILD_PACKAGES}):\n${(err as Error).message}`);
    }
    return CLI_PY_WHEEL;
  })();
  return wheelBuilt;
}

/** Every supported interpreter found here, with each dependency set: what the install tests cover. */
export const ALL_PY_VENVS: PyVenv[] = supportedInterpreters().flatMap((interpreter) => DEPENDENCY_SETS.map((set) => ({ interpreter, set })));
/** The oldest and newest interpreter, with each dependency set: what every Python CLI test runs on. */
export const SUITE_PY_VENVS: PyVenv[] = oldestAndNewest().flatMap((interpreter) => DEPENDENCY_SETS.map((set) => ({ interpreter, set })));

/** The wheel installed in the venv `venv` (made once, reused between runs). */
export async function installIronPy(venv: PyVenv): Promise<InstalledVenv> {
  return ensureVenv(venv, await ensureWheel());
}

export type RunPyOptions = Omit<RunOptions, "executable">;

/** Runs `iron-cli-py` from the venv as a user would, with a clean environment (PATH, HOME, NO_COLOR=1, `env`). */
export async function runIronPy(venv: PyVenv, args: string[], options: RunPyOptions = {}): Promise<IronResult> {
  return runIron(args, { ...options, executable: (await installIronPy(venv)).executable });
}

/** The versions the venv's CLI runs on, for the test log: "python 3.8.18 click 8.0.0 rich 13.0.0 …". */
export async function dependencyVersions(venv: PyVenv): Promise<string> {
  const { installed } = await installIronPy(venv);
  return [`python ${venv.interpreter.version}`, ...["click", "rich", "httpx", "pyyaml"].map((name) => `${name} ${installed[name] ?? "missing"}`)].join(" ");
}

export { venvLabel };
