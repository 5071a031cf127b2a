/**
 * A Debian 12 (bookworm) root filesystem for tests that need a clean node: made once
 * with debootstrap into a cache outside the repository (minutes the first time, then
 * reused), and entered through a throwaway overlay so the cache itself is never changed.
 *
 * IRON_TEST_ROOTFS_CACHE moves the cache (default /var/cache/iron-test/bookworm-minbase).
 * The mirror is the one this machine's apt uses (IRON_TEST_DEBIAN_MIRROR overrides it).
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const rootfsCache = process.env.IRON_TEST_ROOTFS_CACHE ?? "/var/cache/iron-test/bookworm-minbase";
const COMPLETE = ".iron-complete";

export interface Ran {
  status: number | null;
  output: string;
}

/** Runs a command to completion, collecting stdout and stderr together. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

async function mustRun(command: string, args: string[]): Promise<string> {
  const r = await run(command, args);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.output.slice(-3000)}`);
  return r.output;
}

/** The Debian mirror from /etc/apt/sources.list{,.d/*} (first non-security one). */
export function debianMirror(): string {
  if (process.env.IRON_TEST_DEBIAN_MIRROR) return process.env.IRON_TEST_DEBIAN_MIRROR;
  const files = ["/etc/apt/sources.list", ...listDir("/etc/apt/sources.list.d").map((f) => join("/etc/apt/sources.list.d", f))];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const url of readFileSync(file, "utf8").match(/https?:\/\/[^\s]+/g) ?? []) {
      if (/\/debian\/?$/.test(url) && !url.includes("security") && !url.includes("snapshot")) return url;
    }
  }
  return "http://deb.debian.org/debian";
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Makes the cached rootfs unless it is there; concurrent callers wait on one flock. */
export async function ensureDebianRootfs(): Promise<string> {
  if (existsSync(join(rootfsCache, COMPLETE))) return rootfsCache;
  mkdirSync(dirname(rootfsCache), { recursive: true });
  const partial = `${rootfsCache}.partial`;
  const script = [
    `test -e '${rootfsCache}/${COMPLETE}' && exit 0`,
    `rm -rf '${partial}'`,
    `debootstrap --variant=minbase bookworm '${partial}' '${debianMirror()}'`,
    `touch '${partial}/${COMPLETE}'`,
    `rm -rf '${rootfsCache}'`,
    `mv '${partial}' '${rootfsCache}'`,
  ].join(" && ");
  await mustRun("flock", [`${rootfsCache}.lock`, "sh", "-c", script]);
  return rootfsCache;
}

export interface Chroot {
  /** The merged root: copy files in, read results out. */
  root: string;
  /** Runs a command inside (chroot), with env as its whole environment. */
  run(command: string, args: string[], env?: Record<string, string>): Promise<Ran>;
  /** Unmounts everything and removes the overlay's upper layer. */
  close(): Promise<void>;
}

/** Enters a writable overlay of the cached rootfs, with /proc and /dev mounted and this host's DNS. */
export async function openChroot(lower: string): Promise<Chroot> {
  const work = mkdtempSync(join(tmpdir(), "iron-chroot-"));
  const [upper, scratch, root] = ["upper", "work", "root"].map((d) => join(work, d)) as [string, string, string];
  [upper, scratch, root].forEach((d) => mkdirSync(d));
  const mounted: string[] = [];
  const close = async () => {
    for (const target of mounted.reverse()) await run("umount", ["-l", target]);
    // Never remove recursively through a mount point that is still there (it could be the host's /dev).
    const stillMounted = readFileSync("/proc/self/mounts", "utf8").split("\n").some((line) => line.split(" ")[1]?.startsWith(work));
    if (stillMounted) throw new Error(`${work} still has mounts; left in place`);
    rmSync(upper, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    rmdirSync(root);
    rmdirSync(work);
  };
  try {
    await mustRun("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${scratch}`, root]);
    mounted.push(root);
    await mustRun("mount", ["-t", "proc", "proc", join(root, "proc")]);
    mounted.push(join(root, "proc"));
    await mustRun("mount", ["--bind", "/dev", join(root, "dev")]);
    mounted.push(join(root, "dev"));
    rmSync(join(root, "etc/resolv.conf"), { force: true });
    copyFileSync("/etc/resolv.conf", join(root, "etc/resolv.conf"));
  } catch (err) {
    await close();
    throw err;
  }
  const baseEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", HOME: "/root" };
  return {
    root,
    run: (command, args, env = {}) => run("chroot", [root, command, ...args], { ...baseEnv, ...env }),
    close,
  };
}

/** The cached rootfs as a Docker image (no image can be pulled here, so tests build on this one). */
export async function ensureDebianDockerImage(tag = "iron-test/bookworm-minbase:latest"): Promise<string> {
  if ((await run("docker", ["image", "inspect", tag])).status === 0) return tag;
  const rootfs = await ensureDebianRootfs();
  await mustRun("sh", ["-c", `tar -C '${rootfs}' --exclude=./${COMPLETE} -c . | docker import - '${tag}'`]);
  return tag;
}
