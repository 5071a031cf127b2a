/** Process exit codes of `iron`; scripts may rely on them. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  unreachable: 3,
  auth: 4,
  rejected: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
