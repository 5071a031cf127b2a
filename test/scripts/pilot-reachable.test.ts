/**
 * As root, the pilot's PostgreSQL runs as the `postgres` user: before initdb, the pilot asks the kernel whether that
 * user can enter every directory on the way to the binaries and the data dir, and names the one to `chmod o+x`.
 * Run as root (as CI does) the check runs as `postgres` on a root-owned 0700 directory, the case a user meets after
 * cloning under `mktemp -d`; otherwise as this user, on a directory of its own it may not search (0600).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { postgresUser } from "../../scripts/pilot/postgres.js";
import { assertReachable, firstUnreachableDir, type OsUser } from "../../scripts/pilot/reachable.js";

const user: OsUser = postgresUser() ?? { name: userInfo().username, uid: userInfo().uid, gid: userInfo().gid };
const closedMode = process.getuid?.() === 0 ? 0o700 : 0o600;

describe("the pilot's reachability check for the PostgreSQL user", () => {
  let top: string;
  let closed: string;

  beforeEach(async () => {
    top = await mkdtemp(join(tmpdir(), "iron-reach-"));
    await chmod(top, 0o755);
    closed = join(top, "closed");
    await mkdir(join(closed, "node_modules", "bin"), { recursive: true });
    await writeFile(join(closed, "node_modules", "bin", "postgres"), "", { mode: 0o755 });
    await chmod(closed, closedMode);
  });

  afterEach(async () => {
    await chmod(closed, 0o755);
    await rm(top, { recursive: true, force: true });
  });

  it("names the first directory the user cannot enter, and passes once it is opened", async () => {
    const binary = join(closed, "node_modules", "bin", "postgres");
    expect(firstUnreachableDir(binary, user)).toBe(closed);
    expect(() => assertReachable(binary, "the PostgreSQL binaries", user)).toThrow(
      `as root, PostgreSQL runs as the "${user.name}" user, which cannot enter ${closed} (mode 0${closedMode.toString(8)}`,
    );
    expect(() => assertReachable(binary, "the PostgreSQL binaries", user)).toThrow(`on the way to the PostgreSQL binaries (${binary}). Let it through with \`chmod o+x ${closed}\``);
    await chmod(closed, 0o711);
    expect(firstUnreachableDir(binary, user)).toBeUndefined();
    expect(() => assertReachable(binary, "the PostgreSQL binaries", user)).not.toThrow();
  });

  it("leaves out the steps that do not exist yet (the pilot creates them)", async () => {
    expect(firstUnreachableDir(join(top, "not", "yet", "there"), user)).toBeUndefined();
    expect(firstUnreachableDir(join(closed, "data", "postgres"), user)).toBe(closed);
  });
});
