import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** `path` and the directories above it, from `/` down. */
function pathFromRoot(path: string): string[] {
  const steps: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    steps.unshift(at);
    if (dirname(at) === at) return steps;
  }
}

/**
 * The first directory on the way to `path` that `user` may not enter, if any: asked of the kernel itself
 * (`test -x` run as that user, the same uid and gid PostgreSQL gets), so ACLs and group bits count as they will.
 * Steps that do not exist yet are left out: the pilot creates them.
 */
export function firstUnreachableDir(path: string, user: OsUser): string | undefined {
  for (const dir of pathFromRoot(path).filter((step) => existsSync(step) && statSync(step).isDirectory())) {
    if (spawnSync("test", ["-x", dir], { uid: user.uid, gid: user.gid, stdio: "ignore" }).status !== 0) return dir;
  }
  return undefined;
}

/** Throws, saying what to change, when `user` cannot reach `path` (`what` says what lives there). */
export function assertReachable(path: string, what: string, user: OsUser): void {
  const dir = firstUnreachableDir(path, user);
  if (dir === undefined) return;
  const { mode, uid } = statSync(dir);
  throw new Error(
    `as root, PostgreSQL runs as the "${user.name}" user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8).padStart(4, "0")}, owner uid ${uid}) ` +
      `on the way to ${what} (${path}). Let it through with \`chmod o+x ${dir}\`, or run the pilot as a user other than root.`,
  );
}
