/**
 * A Debian 12 (bookworm) root filesystem for tests that need a clean node: made once with debootstrap into the test
 * cache (test-cache.ts; minutes the first time, then reused), and entered through a throwaway overlay so the cache
 * itself is never changed.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPLETE_MARKER, dockerImageExists, ensureDebianRootfs as ensureRootfs, mustRun, run, underCacheLock, type Ran } from "./test-cache.js";

export { run, type Ran };

/** The plain minbase rootfs (no extra packages). */
export function ensureDebianRootfs(): Promise<string> {
  return ensureRootfs("bookworm-minbase");
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
  if (await dockerImageExists(tag)) return tag;
  const rootfs = await ensureDebianRootfs();
  // Under a lock, and checked again inside it: two test files importing at once would otherwise both import.
  await underCacheLock("bookworm-minbase-image", `
    set -e
    if docker image inspect '${tag}' >/dev/null 2>&1; then exit 0; fi
    tar -C '${rootfs}' --exclude=./${COMPLETE_MARKER} -c . | docker import - '${tag}' >/dev/null
  `);
  return tag;
}
