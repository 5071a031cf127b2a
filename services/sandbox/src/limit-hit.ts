import type { SandboxPolicy } from "./policy.js";
import type { LauncherStatus } from "./status.js";

export type LimitHit = "cpu" | "file_size" | "memory" | "processes" | "wall_time";

/*
 * CPU and file size end a program with a signal, which the launcher reports.
 * Address space and process count do not: the kernel fails mmap/brk with ENOMEM
 * and fork with EAGAIN, and the program dies in its own words. Those two are read
 * from what it printed, so they are a best guess, never a certainty.
 */
const MEMORY_WORDS = /MemoryError|Cannot allocate memory|out of memory|bad_alloc|Failed to reserve virtual memory|allocation failed|ENOMEM/i;
const PROCESS_WORDS = /Resource temporarily unavailable|fork: retry|BlockingIOError|EAGAIN|cannot fork/i;

export function limitHit(status: LauncherStatus, policy: SandboxPolicy, stderr: string, timedOut: boolean): LimitHit | null {
  if (timedOut) return "wall_time";
  if (!status.started) return null;
  if (status.limit) return status.limit;
  const failed = status.signal !== null || (status.exit_code ?? 0) !== 0;
  if (!failed) return null;
  if (policy.limits.address_space_mb !== null && MEMORY_WORDS.test(stderr)) return "memory";
  if (policy.limits.processes !== null && PROCESS_WORDS.test(stderr)) return "processes";
  return null;
}
