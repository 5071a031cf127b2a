import { z } from "zod";

/** An absolute path without NUL bytes (the launcher and the kernel take C strings). */
const AbsolutePath = z
  .string()
  .startsWith("/", "must be an absolute path")
  .refine((p) => !p.includes("\0"), "must not contain NUL");
const Port = z.number().int().min(1).max(65535);
/** A positive whole number, or null to leave the inherited limit in place. */
const Limit = z.number().int().positive().max(1e12).nullable();

export const NetworkSchema = z
  .object({
    /** AF_INET/AF_INET6 sockets allowed at all (seccomp). Off: only AF_UNIX. */
    enabled: z.boolean(),
    /** TCP ports the program may connect to (Landlock ABI >= 4). */
    tcp_connect: z.array(Port),
    /** TCP ports the program may bind (Landlock ABI >= 4). */
    tcp_bind: z.array(Port),
  })
  .strict();

export const LimitsSchema = z
  .object({
    address_space_mb: Limit,
    cpu_seconds: Limit,
    open_files: Limit,
    processes: Limit,
    file_size_mb: Limit,
  })
  .strict();

/**
 * A complete policy, exactly the JSON the launcher reads with `--policy`
 * (and prints with `--print-policy`).
 */
export const SandboxPolicySchema = z
  .object({
    read_only: z.array(AbsolutePath),
    read_write: z.array(AbsolutePath),
    /** A fresh 0700 temp dir as the read-write working directory (also HOME and TMPDIR), removed afterwards. */
    private_tmp: z.boolean(),
    /** Working directory when private_tmp is off; null inherits the caller's. */
    workdir: AbsolutePath.nullable(),
    network: NetworkSchema,
    limits: LimitsSchema,
    /** What a denied syscall does: fail with EPERM, or kill the process. */
    seccomp_action: z.enum(["errno", "kill"]),
    /** `best_effort` runs on kernels without Landlock (and says so); `required` refuses to. */
    landlock: z.enum(["required", "best_effort"]),
  })
  .strict()
  .refine((p) => !(p.private_tmp && p.workdir !== null), {
    message: "workdir and private_tmp exclude each other (the private temp dir is the working directory)",
    path: ["workdir"],
  });

export type SandboxPolicy = z.infer<typeof SandboxPolicySchema>;

export const ProfileNameSchema = z.enum(["minimal", "standard", "strict"]);
export type ProfileName = z.infer<typeof ProfileNameSchema>;

/**
 * What callers write: a profile plus adjustments. Paths are added to the
 * profile's; every other field given replaces the profile's value.
 */
export const PolicyInputSchema = z
  .object({
    profile: ProfileNameSchema.default("standard"),
    read_only: z.array(AbsolutePath).default([]),
    read_write: z.array(AbsolutePath).default([]),
    private_tmp: z.boolean().optional(),
    workdir: AbsolutePath.nullable().optional(),
    network: NetworkSchema.partial().optional(),
    limits: LimitsSchema.partial().optional(),
    seccomp_action: z.enum(["errno", "kill"]).optional(),
    landlock: z.enum(["required", "best_effort"]).optional(),
  })
  .strict();

export type PolicyInput = z.input<typeof PolicyInputSchema>;
