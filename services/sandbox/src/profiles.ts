import { PolicyInputSchema, SandboxPolicySchema, type PolicyInput, type ProfileName, type SandboxPolicy } from "./policy.js";

/** What every profile may read: the programs, their libraries, the dynamic linker's files, harmless devices. */
const SYSTEM_READ_ONLY = [
  "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
  "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
  "/dev/zero", "/dev/urandom",
];
const NO_NETWORK = { enabled: false, tcp_connect: [], tcp_bind: [] };

/** The launcher's built-in default (native/policy.c); a test holds the two together. */
export const STANDARD: SandboxPolicy = {
  read_only: SYSTEM_READ_ONLY,
  read_write: ["/dev/null"],
  private_tmp: true,
  workdir: null,
  network: NO_NETWORK,
  limits: { address_space_mb: 4096, cpu_seconds: 60, open_files: 256, processes: 64, file_size_mb: 256 },
  seccomp_action: "errno",
  landlock: "required",
};

/**
 * The configuration files everyday programs look for: users and groups, time zone,
 * name resolution, TLS roots and OpenSSL's configuration, Debian's alternatives.
 * Not /etc as a whole: it holds /etc/shadow and other secrets.
 */
const COMMON_CONFIG = [
  "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/hosts", "/etc/resolv.conf",
  "/etc/ssl", "/etc/ca-certificates", "/etc/alternatives",
];

/** Lighter: common configuration readable, generous limits, and it still runs (saying what it could not enforce) on kernels without Landlock. */
export const MINIMAL: SandboxPolicy = {
  ...STANDARD,
  read_only: [...SYSTEM_READ_ONLY, ...COMMON_CONFIG],
  limits: { address_space_mb: 16384, cpu_seconds: 600, open_files: 4096, processes: 512, file_size_mb: 4096 },
  landlock: "best_effort",
};

/** Tighter: small limits, and a denied syscall kills the process instead of failing. */
export const STRICT: SandboxPolicy = {
  ...STANDARD,
  limits: { address_space_mb: 1024, cpu_seconds: 10, open_files: 64, processes: 16, file_size_mb: 16 },
  seccomp_action: "kill",
};

export const PROFILES: Readonly<Record<ProfileName, SandboxPolicy>> = { minimal: MINIMAL, standard: STANDARD, strict: STRICT };

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}

/** Turns a profile plus adjustments into the complete policy the launcher enforces. Throws a ZodError on bad input. */
export function resolvePolicy(input: PolicyInput = {}): SandboxPolicy {
  const given = PolicyInputSchema.parse(input);
  const base = PROFILES[given.profile];
  return SandboxPolicySchema.parse({
    read_only: unique([...base.read_only, ...given.read_only]),
    read_write: unique([...base.read_write, ...given.read_write]),
    private_tmp: given.private_tmp ?? (given.workdir ? false : base.private_tmp),
    workdir: given.workdir === undefined ? base.workdir : given.workdir,
    network: { ...base.network, ...given.network },
    limits: { ...base.limits, ...given.limits },
    seccomp_action: given.seccomp_action ?? base.seccomp_action,
    landlock: given.landlock ?? base.landlock,
  });
}
