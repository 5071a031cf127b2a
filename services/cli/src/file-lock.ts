import { open, readFile, rm, stat } from "node:fs/promises";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";

const WAIT_MS = 30_000;
/** A lock older than this whose process is gone was left by a crash. */
const STALE_MS = 10_000;

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function removeIfStale(lockPath: string): Promise<void> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, "utf8")]);
    const pid = Number(text.trim());
    const old = Date.now() - info.mtimeMs > STALE_MS;
    if (old && (!Number.isInteger(pid) || pid <= 0 || processIsGone(pid))) await rm(lockPath, { force: true });
  } catch {
    /* released meanwhile */
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (`O_EXCL` create), so read-modify-write cycles of concurrent
 * `iron` processes on the same file are serialised and none loses another's change.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (Date.now() > deadline) {
        throw new CliError(
          `another iron process has held ${lockPath} for more than ${WAIT_MS / 1000} s`,
          EXIT.error,
          `if no other iron is running, delete ${lockPath} and try again`,
        );
      }
      await removeIfStale(lockPath);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
