/**
 * Fresh venvs with the iron-cli-py wheel installed the way a user installs it (`pip install iron_cli_py-*.whl`, pip
 * resolving its dependencies from the index), once per (interpreter, dependency set, wheel) under the test cache:
 * - "minimum": every dependency pinned to the lowest version the wheel allows on that interpreter (its `>=` bounds,
 *   markers evaluated there; test/support/python/minimum-pins.py);
 * - "newest": whatever pip resolves today (the key carries the UTC date, so it is resolved again each day).
 * Each venv passes `pip check` before it is marked complete; one without the marker is partial and made again
 * (test/support/cached-venv.ts).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCachedVenv } from "./cached-venv.js";
import { shellQuote as quote, testCacheRoot } from "./test-cache.js";
import type { Interpreter } from "./python-interpreters.js";

export type DependencySet = "minimum" | "newest";
export const DEPENDENCY_SETS: readonly DependencySet[] = ["minimum", "newest"];

export interface PyVenv {
  interpreter: Interpreter;
  set: DependencySet;
}

export interface InstalledVenv {
  dir: string;
  /** The venv's interpreter (it has no pip of its own: `pipCommand` runs the base interpreter's pip on it). */
  python: string;
  pipCommand: string[];
  /** The `iron-cli-py` console script. */
  executable: string;
  /** What pip installed: name (lower case) → version. */
  installed: Record<string, string>;
  /** The pins the minimum set was installed with (empty for "newest"). */
  pins: Record<string, string>;
}

const MINIMUM_PINS = join(dirname(fileURLToPath(import.meta.url)), "python/minimum-pins.py");
const VENVS = join(testCacheRoot, "cli-py-venvs");
/** Part of every venv's key: raise it when the way venvs are made changes, so none made the old way is reused. */
const VENV_LAYOUT = "2";

export const venvLabel = ({ interpreter, set }: PyVenv) => `Python ${interpreter.version} (${interpreter.source}), ${set} dependencies`;

function venvDir(venv: PyVenv, wheel: string): string {
  const hash = createHash("sha256").update(VENV_LAYOUT).update(readFileSync(wheel)).update(venv.set);
  if (venv.set === "newest") hash.update(new Date().toISOString().slice(0, 10));
  return join(VENVS, `py${venv.interpreter.version}-${venv.set}-${hash.digest("hex").slice(0, 12)}`);
}

function readPins(file: string): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    const [name, version] = line.split("==") as [string, string];
    pins[name.toLowerCase()] = version;
  }
  return pins;
}

const made = new Map<string, Promise<InstalledVenv>>();

/** The venv for `venv` with the given wheel installed, made (under the cache lock) when it is not there yet. */
export function ensureVenv(venv: PyVenv, wheel: string): Promise<InstalledVenv> {
  const dir = venvDir(venv, wheel);
  let promise = made.get(dir);
  if (!promise) {
    const base = quote(venv.interpreter.path);
    const constraints = join(dir, "constraints.txt");
    promise = ensureCachedVenv({
      dir,
      basePython: venv.interpreter.path,
      lock: `cli-py-venv-py${venv.interpreter.version}-${venv.set}`,
      prepare: venv.set === "minimum" ? `${base} ${quote(MINIMUM_PINS)} ${quote(wheel)} > ${quote(constraints)}` : `: > ${quote(constraints)}`,
      install: ["--quiet", "-c", constraints, wheel],
    }).then(
      (cached) => ({ ...cached, executable: join(dir, "bin/iron-cli-py"), pins: readPins(constraints) }),
      (err: Error) => {
        throw new Error(`${venvLabel(venv)}: ${err.message}`);
      },
    );
    made.set(dir, promise);
  }
  return promise;
}
