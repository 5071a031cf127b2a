/**
 * The CPython interpreters this machine has that the Python CLI supports (pyproject's requires-python: >= 3.8):
 * IRON_TEST_PYTHONS (paths separated by ":") when set, else every pyenv version ($PYENV_ROOT, default ~/.pyenv) and
 * Debian's /usr/bin/python3; of several with the same minor version, Debian's is kept. Found synchronously, so test files can parametrise over them at collection time.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The oldest Python the pyproject allows (requires-python) and the spec names (3.8 – 3.12). */
export const OLDEST_SUPPORTED = [3, 8] as const;

export interface Interpreter {
  path: string;
  /** "3.8.18" */
  version: string;
  /** Where it came from, for test names and the report: "pyenv", "Debian" or "IRON_TEST_PYTHONS". */
  source: string;
}

/** The interpreter's version ("3.11.2"), or undefined when `path` does not run as Python. */
export function versionOf(path: string): string | undefined {
  try {
    return execFileSync(path, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const parts = (version: string) => version.split(".").map(Number);

/** Orders versions numerically ("3.8.18" < "3.10.13"). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function candidates(): { path: string; source: string }[] {
  const listed = process.env.IRON_TEST_PYTHONS;
  if (listed) return listed.split(":").filter(Boolean).map((path) => ({ path, source: "IRON_TEST_PYTHONS" }));
  const pyenv = join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "versions");
  const fromPyenv = existsSync(pyenv) ? readdirSync(pyenv).map((v) => ({ path: join(pyenv, v, "bin/python3"), source: "pyenv" })) : [];
  return [...fromPyenv, { path: "/usr/bin/python3", source: "Debian" }];
}

let found: Interpreter[] | undefined;

const minorOf = (version: string) => version.split(".").slice(0, 2).join(".");

/** The supported interpreters found here, oldest first: one per minor version, Debian's where it has that minor. */
export function supportedInterpreters(): Interpreter[] {
  if (found) return found;
  const seen = new Set<string>();
  const all: Interpreter[] = [];
  for (const { path, source } of candidates()) {
    if (!existsSync(path)) {
      if (source === "IRON_TEST_PYTHONS") throw new Error(`IRON_TEST_PYTHONS names ${path}, which does not exist`);
      continue;
    }
    const real = realpathSync(path);
    if (seen.has(real)) continue;
    seen.add(real);
    const version = versionOf(path);
    if (!version) continue;
    if (compareVersions(version, OLDEST_SUPPORTED.join(".")) < 0) continue;
    all.push({ path, version, source });
  }
  const byMinor = new Map<string, Interpreter>();
  for (const interpreter of all) {
    const minor = minorOf(interpreter.version);
    if (!byMinor.has(minor) || interpreter.source === "Debian") byMinor.set(minor, interpreter);
  }
  found = [...byMinor.values()].sort((a, b) => compareVersions(a.version, b.version));
  return found;
}

/** The oldest and the newest supported interpreter found (one when only one is found; none when there is none). */
export function oldestAndNewest(): Interpreter[] {
  const all = supportedInterpreters();
  if (all.length <= 1) return all;
  return [all[0]!, all[all.length - 1]!];
}
