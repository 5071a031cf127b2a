/**
 * Fresh venvs with the iron-cli-py wheel installed the way a user installs it (`pip install iron_cli_py-*.whl`, pip
 * resolving its dependencies from the index), once per (interpreter, dependency set, wheel) under the test cache:
 * - "minimum": every dependency pinned to the lowest version the wheel allows on that interpreter (its `>=` bounds,
 *   markers evaluated there; test/support/python/minimum-pins.py);
 * - "newest": whatever pip resolves today (the key carries the UTC date, so it is resolved again each day).
 * Each venv passes `pip check` before it is marked complete; one without the marker is partial and made again.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { COMPLETE_MARKER, testCacheRoot, underCacheLock } from "./test-cache.js";
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
/** Venvs not used for this long are removed when another is made. */
const UNUSED_MINUTES = 24 * 60;

export const venvLabel = ({ interpreter, set }: PyVenv) => `Python ${interpreter.version} (${interpreter.source}), ${set} dependencies`;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function venvDir(venv: PyVenv, wheel: string): string {
  const hash = createHash("sha256").update(VENV_LAYOUT).update(readFileSync(wheel)).update(venv.set);
  if (venv.set === "newest") hash.update(new Date().toISOString().slice(0, 10));
  return join(VENVS, `py${venv.interpreter.version}-${venv.set}-${hash.digest("hex").slice(0, 12)}`);
}

function buildScript(venv: PyVenv, dir: string, wheel: string): string {
  const base = quote(venv.interpreter.path);
  // The interpreter's own pip installs into the venv (`pip --python`): a venv without pip is made in a moment, while
  // ensurepip takes longer than the install itself.
  const pip = `${base} -m pip --disable-pip-version-check --python ${quote(join(dir, "bin/python"))}`;
  const constraints = quote(join(dir, "constraints.txt"));
  return `
    set -eu
    if [ -e ${quote(join(dir, COMPLETE_MARKER))} ]; then exit 0; fi
    find ${quote(VENVS)} -mindepth 2 -maxdepth 2 -name ${COMPLETE_MARKER} -mmin +${UNUSED_MINUTES} 2>/dev/null | while read -r marker; do rm -rf "$(dirname "$marker")"; done
    rm -rf ${quote(dir)}
    ${base} -m venv --without-pip ${quote(dir)}
    ${venv.set === "minimum" ? `${base} ${quote(MINIMUM_PINS)} ${quote(wheel)} > ${constraints}` : `: > ${constraints}`}
    ${pip} install --quiet -c ${constraints} ${quote(wheel)}
    ${pip} check
    ${pip} list --format=json > ${quote(join(dir, "installed.json"))}
    touch ${quote(join(dir, COMPLETE_MARKER))}
  `;
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
    promise = (async () => {
      const marker = join(dir, COMPLETE_MARKER);
      if (!existsSync(marker)) {
        try {
          await underCacheLock(`cli-py-venv-py${venv.interpreter.version}-${venv.set}`, buildScript(venv, dir, wheel));
        } catch (err) {
          throw new Error(`making the ${venvLabel(venv)} venv in ${dir} failed (pip needs the package index; Debian's python3 needs python3-venv and python3-pip):\n${(err as Error).message}`);
        }
      }
      const now = new Date();
      utimesSync(marker, now, now); // in use: not pruned
      const listed = JSON.parse(readFileSync(join(dir, "installed.json"), "utf8")) as { name: string; version: string }[];
      return {
        dir,
        python: join(dir, "bin/python"),
        pipCommand: [venv.interpreter.path, "-m", "pip", "--disable-pip-version-check", "--python", join(dir, "bin/python")],
        executable: join(dir, "bin/iron-cli-py"),
        installed: Object.fromEntries(listed.map((p) => [p.name.toLowerCase(), p.version])),
        pins: readPins(join(dir, "constraints.txt")),
      };
    })();
    made.set(dir, promise);
  }
  return promise;
}
