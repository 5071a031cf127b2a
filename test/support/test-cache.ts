/**
 * The one place where tests keep what is slow to make and safe to reuse between runs: Debian root filesystems
 * (debootstrap), and locks that serialise the builds of the Docker images made from them.
 *
 * IRON_TEST_CACHE moves it (default /var/cache/iron-test); `.ci/run` with IRON_CI_COLD=1 points it at an empty temp
 * dir, together with a Docker engine of its own, to prove that everything is made from nothing.
 * IRON_TEST_DEBIAN_MIRROR overrides the Debian mirror (default: the one this machine's apt uses).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const testCacheRoot = process.env.IRON_TEST_CACHE ?? "/var/cache/iron-test";

/** The marker a finished cache entry carries; an entry without it is partial and made again. */
export const COMPLETE_MARKER = ".iron-complete";

export interface Ran {
  status: number | null;
  output: string;
}

/** Runs a command to completion, collecting stdout and stderr together. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): Promise<Ran> {
  const child = spawn(command, args, { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  if (input !== undefined) child.stdin!.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

/** Like run, but a non-zero exit throws with the command's last output. */
export async function mustRun(command: string, args: string[], input?: string): Promise<string> {
  const r = await run(command, args, process.env, input);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.output.slice(-4000)}`);
  return r.output;
}

/** Runs a shell script while holding the cache's lock `name` (concurrent test files wait for each other). */
export async function underCacheLock(name: string, script: string): Promise<string> {
  mkdirSync(testCacheRoot, { recursive: true });
  return mustRun("flock", [join(testCacheRoot, `${name}.lock`), "sh", "-c", script]);
}

/** The Debian mirror this machine's apt uses (sources.list, sources.list.d/*.list and deb822 *.sources). */
export function debianMirror(): string {
  if (process.env.IRON_TEST_DEBIAN_MIRROR) return process.env.IRON_TEST_DEBIAN_MIRROR;
  const dir = "/etc/apt/sources.list.d";
  const files = ["/etc/apt/sources.list", ...(existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [])];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const url of readFileSync(file, "utf8").match(/https?:\/\/[^\s]+/g) ?? []) {
      if (/\/debian\/?$/.test(url) && !url.includes("security") && !url.includes("snapshot")) return url;
    }
  }
  return "http://deb.debian.org/debian";
}

/** Quotes `s` for sh. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A Debian 12 (bookworm) minbase root filesystem with the extra packages `include`, made once with debootstrap into
 * `<cache>/<name>` and reused. Built into `<name>.partial` and renamed when complete, so a run that was killed
 * half-way leaves nothing that looks finished; a failing debootstrap throws with debootstrap's own last lines.
 */
export async function ensureDebianRootfs(name: string, include: string[] = []): Promise<string> {
  const dest = join(testCacheRoot, name);
  if (existsSync(join(dest, COMPLETE_MARKER))) return dest;
  const partial = `${dest}.partial`;
  const includeFlag = include.length ? `--include=${include.join(",")} ` : "";
  const script = `
    set -u
    if [ -e ${shellQuote(join(dest, COMPLETE_MARKER))} ]; then exit 0; fi
    rm -rf ${shellQuote(partial)} ${shellQuote(dest)}
    log=${shellQuote(`${partial}.log`)}
    if ! debootstrap --variant=minbase ${includeFlag}bookworm ${shellQuote(partial)} ${shellQuote(debianMirror())} >"$log" 2>&1; then
      echo "debootstrap of ${name} failed; its last lines:" >&2
      tail -n 30 "$log" >&2
      if [ -f ${shellQuote(`${partial}/debootstrap/debootstrap.log`)} ]; then
        echo "--- debootstrap.log:" >&2; tail -n 30 ${shellQuote(`${partial}/debootstrap/debootstrap.log`)} >&2
      fi
      exit 1
    fi
    touch ${shellQuote(join(partial, COMPLETE_MARKER))} && mv ${shellQuote(partial)} ${shellQuote(dest)} && rm -f "$log"
  `;
  await underCacheLock(name, script);
  if (!existsSync(join(dest, COMPLETE_MARKER))) throw new Error(`${dest} was not made (no ${COMPLETE_MARKER} after debootstrap)`);
  return dest;
}

/** Whether the Docker engine has the image `ref`. */
export async function dockerImageExists(ref: string): Promise<boolean> {
  return (await run("docker", ["image", "inspect", ref])).status === 0;
}
