import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runIron, type IronResult, type RunOptions } from "./iron-cli.js";

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const PACKAGE = join(REPO, "services/cli-py");
export const CLI_PY_VERSION = "0.1.0";
/** The wheel `sh services/cli-py/build.sh` writes. */
export const CLI_PY_WHEEL = join(PACKAGE, `dist/artifacts/iron_cli_py-${CLI_PY_VERSION}-py3-none-any.whl`);
const DEBIAN_PACKAGES = "python3 python3-venv python3-pip python3-setuptools python3-wheel python3-click python3-rich python3-httpx python3-yaml";

/** The interpreter the CLI is installed for: IRON_TEST_PYTHON, else Debian's /usr/bin/python3. */
export function testPython(): string {
  return process.env.IRON_TEST_PYTHON ?? "/usr/bin/python3";
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "__pycache__") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the wheel when it is missing or older than its sources (CI builds it before the tests). */
async function ensureWheel(python: string): Promise<void> {
  const sourcesChanged = () => Math.max(newestSource(join(PACKAGE, "src")), statSync(join(PACKAGE, "pyproject.toml")).mtimeMs) > statSync(CLI_PY_WHEEL).mtimeMs;
  if (existsSync(CLI_PY_WHEEL) && !sourcesChanged()) return;
  try {
    await run("sh", [join(PACKAGE, "build.sh")], { env: { ...process.env, PYTHON: python } });
  } catch (err) {
    throw new Error(`sh services/cli-py/build.sh failed (it needs ${python} with pip, setuptools and wheel: apt-get install ${DEBIAN_PACKAGES}):\n${(err as Error).message}`);
  }
}

let installed: Promise<string> | undefined;

/**
 * Installs the built wheel into a venv that sees the system's click/rich/httpx/yaml (Debian's packages), once per
 * test file, and returns the `iron-cli-py` console script. A missing prerequisite fails with the apt package to install.
 */
export function installIronPy(): Promise<string> {
  installed ??= (async () => {
    const python = testPython();
    if (!existsSync(python)) throw new Error(`${python} is missing: apt-get install ${DEBIAN_PACKAGES} (or set IRON_TEST_PYTHON)`);
    try {
      await run(python, ["-c", "import click, rich, httpx, yaml"]);
    } catch (err) {
      throw new Error(`${python} lacks the CLI's dependencies: apt-get install python3-click python3-rich python3-httpx python3-yaml\n${(err as Error).message}`);
    }
    await ensureWheel(python);
    const venv = join(mkdtempSync(join(tmpdir(), "iron-cli-py-venv-")), "venv");
    try {
      await run(python, ["-m", "venv", "--system-site-packages", venv]);
      await run(join(venv, "bin/python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index", CLI_PY_WHEEL]);
    } catch (err) {
      throw new Error(`installing the wheel into a venv failed (apt-get install python3-venv python3-pip):\n${(err as Error).message}`);
    }
    return join(venv, "bin/iron-cli-py");
  })();
  return installed;
}

export type RunPyOptions = Omit<RunOptions, "executable">;

/** Runs the installed `iron-cli-py` as a user would, with a clean environment (PATH, HOME, NO_COLOR=1, `env`). */
export async function runIronPy(args: string[], options: RunPyOptions = {}): Promise<IronResult> {
  return runIron(args, { ...options, executable: await installIronPy() });
}

/** The versions of the Python packages the installed CLI runs on, for the test log. */
export async function dependencyVersions(): Promise<string> {
  const executable = await installIronPy();
  const python = join(dirname(executable), "python");
  const { stdout } = await run(python, [
    "-c",
    "import sys, click, rich, httpx, yaml; from importlib.metadata import version; " +
      "print('python', sys.version.split()[0], 'click', click.__version__, 'rich', version('rich'), 'httpx', httpx.__version__, 'pyyaml', yaml.__version__)",
  ]);
  return stdout.trim();
}
