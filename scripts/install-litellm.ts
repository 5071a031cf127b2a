/**
 * `npx tsx scripts/install-litellm.ts [--python <path>] [--json]`: installs LiteLLM's proxy (`litellm[proxy]`, pinned in
 * bench/_litellm-venv.ts) into a venv under the test cache, for the LiteLLM peer of `npm run bench -- runtime`.
 * Made once per LiteLLM version and Python minor version; a second run finds it and returns at once.
 */
import { Command } from "commander";
import { runCli } from "./lib/run-cli.js";
import { chooseInterpreter, installLiteLlm, isInstalled, LITELLM_VERSION } from "../bench/_litellm-venv.js";

interface Options {
  python?: string;
  json?: boolean;
}

async function main(opts: Options): Promise<number> {
  const progress = (line: string) => process.stderr.write(`[install-litellm] ${line}\n`);
  const interpreter = chooseInterpreter(opts.python);
  const reused = isInstalled(interpreter);
  const started = Date.now();
  if (!reused) progress(`installing litellm[proxy]==${LITELLM_VERSION} with Python ${interpreter.version} (${interpreter.path}): pip, wheels from PyPI only; a few minutes ...`);
  const litellm = await installLiteLlm(interpreter);
  const seconds = Math.round((Date.now() - started) / 1000);
  const packages = Object.keys(litellm.installed).length;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ version: litellm.version, python: interpreter.version, dir: litellm.dir, executable: litellm.executable, reused, seconds, installed: litellm.installed }, null, 2)}\n`);
  } else {
    progress(reused ? `already installed in ${litellm.dir}` : `installed ${packages} packages into ${litellm.dir} in ${seconds} s (pip check passed, the proxy imports)`);
    process.stdout.write(`${litellm.executable}\n`);
  }
  return 0;
}

const cli = new Command("install-litellm")
  .description(
    `install LiteLLM's proxy, litellm[proxy]==${LITELLM_VERSION} from PyPI (wheels only), into a venv under the test cache, ` +
      "for the LiteLLM peer of the runtime benchmark (bench/_litellm-peer.ts); prints the venv's litellm executable",
  )
  .option("--python <path>", "the Python to make the venv with (>= 3.10, < 3.16; default: this machine's Python 3.11)")
  .option("--json", "print one JSON document for scripts (version, python, dir, executable, reused, installed packages)")
  .addHelpText(
    "after",
    `
Where: <cache>/litellm-venvs/litellm-${LITELLM_VERSION}-py<minor>/, <cache> = IRON_TEST_CACHE or /var/cache/iron-test.
The venv is made with the interpreter's own pip (no ensurepip), passes \`pip check\` and imports litellm's proxy
server before it is marked complete; a half-made venv is made again on the next run. Concurrent runs wait for each
other (a lock in the cache). Progress goes to stderr; stdout carries only the result.
pip needs the package index (PyPI or PIP_INDEX_URL); Debian's python3 needs apt-get install python3-venv python3-pip.

The benchmark uses it when it is there and says how to install it when it is not:
  $ npx tsx scripts/install-litellm.ts
  $ npm run bench -- runtime

Examples:
  $ npx tsx scripts/install-litellm.ts --json
  $ npx tsx scripts/install-litellm.ts --python ~/.pyenv/versions/3.12.1/bin/python3`,
  )
  .exitOverride();

await runCli(cli, main);
