/**
 * Python venvs made once under the test cache and reused between runs (the Python CLI's venvs, the LiteLLM peer of
 * the runtime bench): made under the cache lock with the base interpreter's own pip, checked with `pip check`, their
 * package list kept in `installed.json`, and marked complete last; one without the marker is partial and made again.
 * Venvs beside it (same parent directory) not used for a day are removed when one is made.
 */
import { existsSync, readFileSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { COMPLETE_MARKER, shellQuote as quote, underCacheLock } from "./test-cache.js";

export interface VenvRecipe {
  /** Where the venv goes: a directory of its own, whose name is its cache key. */
  dir: string;
  /** The interpreter the venv is made from; its pip installs into the venv. */
  basePython: string;
  /** The cache lock the making holds (one maker at a time per lock). */
  lock: string;
  /** Shell lines run once the venv exists and before the install (e.g. writing a constraints file into `dir`). */
  prepare?: string;
  /** The arguments of `pip install`. */
  install: string[];
  /** Shell lines that must succeed on the installed venv before it is marked complete (e.g. importing what it is for). */
  verify?: string;
}

export interface CachedVenv {
  dir: string;
  /** The venv's interpreter (it has no pip of its own: `pipCommand` runs the base interpreter's pip on it). */
  python: string;
  pipCommand: string[];
  /** What pip installed: name (lower case) → version. */
  installed: Record<string, string>;
}

/** Venvs not used for this long are removed when another is made beside them. */
const UNUSED_MINUTES = 24 * 60;

export const venvPip = (basePython: string, dir: string): string[] => [basePython, "-m", "pip", "--disable-pip-version-check", "--python", join(dir, "bin/python")];

function buildScript({ dir, basePython, prepare, install, verify }: VenvRecipe): string {
  // The interpreter's own pip installs into the venv (`pip --python`): a venv without pip is made in a moment, while
  // ensurepip takes longer than the install itself.
  const pip = venvPip(basePython, dir).map(quote).join(" ");
  return `
    set -eu
    if [ -e ${quote(join(dir, COMPLETE_MARKER))} ]; then exit 0; fi
    find ${quote(dirname(dir))} -mindepth 2 -maxdepth 2 -name ${COMPLETE_MARKER} -mmin +${UNUSED_MINUTES} 2>/dev/null | while read -r marker; do rm -rf "$(dirname "$marker")"; done
    rm -rf ${quote(dir)}
    ${quote(basePython)} -m venv --without-pip ${quote(dir)}
    ${prepare ?? ":"}
    ${pip} install ${install.map(quote).join(" ")}
    ${pip} check
    ${verify ?? ":"}
    ${pip} list --format=json > ${quote(join(dir, "installed.json"))}
    touch ${quote(join(dir, COMPLETE_MARKER))}
  `;
}

/** The venv in `dir` if it is complete (and then marked in use, so it is not pruned), else undefined. */
export function readCachedVenv(dir: string): Omit<CachedVenv, "pipCommand"> | undefined {
  const marker = join(dir, COMPLETE_MARKER);
  if (!existsSync(marker)) return undefined;
  const now = new Date();
  utimesSync(marker, now, now);
  const listed = JSON.parse(readFileSync(join(dir, "installed.json"), "utf8")) as { name: string; version: string }[];
  return { dir, python: join(dir, "bin/python"), installed: Object.fromEntries(listed.map((p) => [p.name.toLowerCase(), p.version])) };
}

/** The venv of `recipe`, made (under the cache lock) when it is not there yet; a failure throws with pip's last output. */
export async function ensureCachedVenv(recipe: VenvRecipe): Promise<CachedVenv> {
  if (!existsSync(join(recipe.dir, COMPLETE_MARKER))) {
    try {
      await underCacheLock(recipe.lock, buildScript(recipe));
    } catch (err) {
      throw new Error(`making the venv ${recipe.dir} failed (pip needs the package index; Debian's python3 needs python3-venv and python3-pip):\n${(err as Error).message}`);
    }
  }
  const venv = readCachedVenv(recipe.dir);
  if (!venv) throw new Error(`${recipe.dir} was not made (no ${COMPLETE_MARKER} after pip install)`);
  return { ...venv, pipCommand: venvPip(recipe.basePython, recipe.dir) };
}
