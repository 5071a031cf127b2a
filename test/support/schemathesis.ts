/**
 * schemathesis (PyPI), the schema-driven API fuzzer the hostile-input suite runs against a real Control Panel.
 * `.ci/run` installs it into a venv under the test cache, keyed by version, on Python 3.13 (on 3.11 its threads now
 * and then die in ast.parse with a spurious SystemError, CPython gh-106905); locally:
 *   python3.13 -m venv /var/cache/iron-test/schemathesis-4.32.5-py3.13 && /var/cache/iron-test/schemathesis-4.32.5-py3.13/bin/pip install schemathesis==4.32.5
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { testCacheRoot } from "./test-cache.js";

export const SCHEMATHESIS_VERSION = "4.32.5";
export const schemathesisVenv = join(testCacheRoot, `schemathesis-${SCHEMATHESIS_VERSION}-py3.13`);

/** The `st` executable, or undefined (with the command that installs it) when it is not installed. */
export function findSchemathesis(): { st: string } | { missing: string } {
  const st = join(schemathesisVenv, "bin", "st");
  if (existsSync(st)) return { st };
  return { missing: `schemathesis ${SCHEMATHESIS_VERSION} is not installed at ${schemathesisVenv}: python3.13 -m venv ${schemathesisVenv} && ${schemathesisVenv}/bin/pip install schemathesis==${SCHEMATHESIS_VERSION} (.ci/run does this)` };
}
