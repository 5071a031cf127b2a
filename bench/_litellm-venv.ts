/**
 * Where LiteLLM's proxy, the peer of bench/runtime-proxy.ts, is installed: a venv under the test cache
 * (`<cache>/litellm-venvs/litellm-<version>-py<minor>`, cache = IRON_TEST_CACHE or /var/cache/iron-test), made by
 * `npx tsx scripts/install-litellm.ts` with pip from PyPI, wheels only, the way test/support/cached-venv.ts makes venvs.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureCachedVenv, readCachedVenv } from "../test/support/cached-venv.js";
import { compareVersions, supportedInterpreters, versionOf, type Interpreter } from "../test/support/python-interpreters.js";
import { shellQuote, testCacheRoot } from "../test/support/test-cache.js";

/**
 * The newest LiteLLM whose `proxy` extra installs here from wheels (2026-12-01, PyPI as this machine reaches it):
 * 1.110.x needs `litellm-proxy==<same version>`, which the index does not have; 1.108.8 – 1.109.x pin a
 * litellm-proxy-extras (0.4.110.post1, 0.4.113) or litellm-enterprise (0.1.79.post2) the index does not have either.
 * 1.108.7 resolves, installs and serves on Python 3.11.
 */
export const LITELLM_VERSION = "1.108.7";
/**
 * Installed beside it: the proxy imports its OpenTelemetry fan-out on every request and, without the SDK (not part of
 * the `proxy` extra; LiteLLM's Docker image has it), fails that import again on every call (seen with py-spy: ~10 %
 * of a worker's samples). Pinned to the opentelemetry-api version the `proxy` extra brings.
 */
const ALSO_INSTALLED = ["opentelemetry-sdk==1.45.2"];
/** LiteLLM 1.108.7's Requires-Python. */
const SUPPORTED_PYTHON = { from: "3.10", below: "3.16" };
/** The Python the venv is made with unless told otherwise: Debian 12's python3 is 3.11, so every bookworm host has it. */
const DEFAULT_PYTHON_MINOR = "3.11";
/** How to install it, for messages. */
export const INSTALL_COMMAND = "npx tsx scripts/install-litellm.ts";

export const litellmVenvsRoot = join(testCacheRoot, "litellm-venvs");

export interface InstalledLiteLlm {
  dir: string;
  /** The venv's `litellm` console script. */
  executable: string;
  version: string;
  /** The Python minor version the venv runs ("3.11"). */
  pythonMinor: string;
  /** What pip installed: name (lower case) → version. */
  installed: Record<string, string>;
}

const minorOf = (version: string) => version.split(".").slice(0, 2).join(".");
const venvDir = (pythonMinor: string) => join(litellmVenvsRoot, `litellm-${LITELLM_VERSION}-py${pythonMinor}`);

function described(dir: string, pythonMinor: string, installed: Record<string, string>): InstalledLiteLlm {
  return { dir, executable: join(dir, "bin/litellm"), version: installed.litellm ?? LITELLM_VERSION, pythonMinor, installed };
}

/** The installed LiteLLM venv of LITELLM_VERSION (any Python), or undefined when none is complete. */
export function findLiteLlm(): InstalledLiteLlm | undefined {
  if (!existsSync(litellmVenvsRoot)) return undefined;
  const prefix = `litellm-${LITELLM_VERSION}-py`;
  for (const name of readdirSync(litellmVenvsRoot).filter((n) => n.startsWith(prefix)).sort()) {
    const dir = join(litellmVenvsRoot, name);
    const venv = readCachedVenv(dir);
    if (venv) return described(dir, name.slice(prefix.length), venv.installed);
  }
  return undefined;
}

/** The interpreter at `path` (checked against LiteLLM's Requires-Python), or this machine's Python 3.11. */
export function chooseInterpreter(path: string | undefined): Interpreter {
  if (path === undefined) {
    const found = supportedInterpreters().find((i) => minorOf(i.version) === DEFAULT_PYTHON_MINOR);
    if (!found) throw new Error(`no Python ${DEFAULT_PYTHON_MINOR} found (pyenv versions, /usr/bin/python3; IRON_TEST_PYTHONS); install one (apt-get install python3 python3-venv python3-pip) or pass --python <path to python ${SUPPORTED_PYTHON.from} – <${SUPPORTED_PYTHON.below}>`);
    return found;
  }
  const version = versionOf(path);
  if (!version) throw new Error(`--python ${path} does not run as Python (give the path of a python3 executable)`);
  if (compareVersions(version, SUPPORTED_PYTHON.from) < 0 || compareVersions(version, SUPPORTED_PYTHON.below) >= 0) {
    throw new Error(`--python ${path} is Python ${version}; litellm ${LITELLM_VERSION} needs Python >= ${SUPPORTED_PYTHON.from}, < ${SUPPORTED_PYTHON.below}`);
  }
  return { path, version, source: "--python" };
}

/** Whether the venv for `interpreter` is already complete (then installLiteLlm returns at once). */
export const isInstalled = (interpreter: Interpreter) => readCachedVenv(venvDir(minorOf(interpreter.version))) !== undefined;

/** Installs `litellm[proxy]==LITELLM_VERSION` (and ALSO_INSTALLED) with `interpreter` (once; reused after), proving it imports its proxy. */
export async function installLiteLlm(interpreter: Interpreter): Promise<InstalledLiteLlm> {
  const minor = minorOf(interpreter.version);
  const dir = venvDir(minor);
  const venv = await ensureCachedVenv({
    dir,
    basePython: interpreter.path,
    lock: `litellm-venv-${LITELLM_VERSION}-py${minor}`,
    install: ["--quiet", "--only-binary=:all:", `litellm[proxy]==${LITELLM_VERSION}`, ...ALSO_INSTALLED],
    // Importing the proxy server is what `litellm --config` does first: it fails here if a proxy dependency is
    // missing. The local cost map keeps the import off the network (its default fetches it from GitHub).
    verify: `LITELLM_LOCAL_MODEL_COST_MAP=True ${shellQuote(join(dir, "bin/python"))} -c 'import litellm.proxy.proxy_server'`,
  });
  return described(dir, minor, venv.installed);
}
