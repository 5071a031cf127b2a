import { z } from "zod";
import { ProfileNameSchema, type PolicyInput } from "./policy.js";

/**
 * The Python package's configuration shape (`iron_sandbox.SandboxConfig(...)`):
 * snake_case keyword arguments, each one mapping to exactly one policy field.
 */
export const PythonSandboxConfigSchema = z
  .object({
    profile: ProfileNameSchema.optional(),
    allowed_paths: z.array(z.string()).optional(), // -> read_write
    read_only_paths: z.array(z.string()).optional(), // -> read_only
    working_dir: z.string().nullable().optional(), // -> workdir
    allow_network: z.boolean().optional(), // -> network.enabled
    allowed_connect_ports: z.array(z.number()).optional(), // -> network.tcp_connect
    allowed_bind_ports: z.array(z.number()).optional(), // -> network.tcp_bind
    max_memory_mb: z.number().nullable().optional(), // -> limits.address_space_mb
    max_cpu_seconds: z.number().nullable().optional(), // -> limits.cpu_seconds
    max_open_files: z.number().nullable().optional(), // -> limits.open_files
    max_processes: z.number().nullable().optional(), // -> limits.processes
    max_file_size_mb: z.number().nullable().optional(), // -> limits.file_size_mb
    kill_on_violation: z.boolean().optional(), // -> seccomp_action "kill" | "errno"
    require_landlock: z.boolean().optional(), // -> landlock "required" | "best_effort"
  })
  .strict();

export type PythonSandboxConfig = z.input<typeof PythonSandboxConfigSchema>;

type Limits = NonNullable<PolicyInput["limits"]>;
type Network = NonNullable<PolicyInput["network"]>;

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Maps the Python shape onto a policy input; validation of the values happens in resolvePolicy. */
export function fromPythonConfig(input: PythonSandboxConfig): PolicyInput {
  const c = PythonSandboxConfigSchema.parse(input);
  const network: Network = defined({ enabled: c.allow_network, tcp_connect: c.allowed_connect_ports, tcp_bind: c.allowed_bind_ports });
  const limits: Limits = defined({
    address_space_mb: c.max_memory_mb,
    cpu_seconds: c.max_cpu_seconds,
    open_files: c.max_open_files,
    processes: c.max_processes,
    file_size_mb: c.max_file_size_mb,
  });
  return defined({
    profile: c.profile,
    read_write: c.allowed_paths,
    read_only: c.read_only_paths,
    workdir: c.working_dir,
    network: Object.keys(network).length > 0 ? network : undefined,
    limits: Object.keys(limits).length > 0 ? limits : undefined,
    seccomp_action: c.kill_on_violation === undefined ? undefined : c.kill_on_violation ? "kill" : "errno",
    landlock: c.require_landlock === undefined ? undefined : c.require_landlock ? "required" : "best_effort",
  });
}

/** The inverse of fromPythonConfig, so a policy input can be handed to the Python package unchanged. */
export function toPythonConfig(input: PolicyInput): PythonSandboxConfig {
  return defined({
    profile: input.profile,
    allowed_paths: input.read_write,
    read_only_paths: input.read_only,
    working_dir: input.workdir,
    allow_network: input.network?.enabled,
    allowed_connect_ports: input.network?.tcp_connect,
    allowed_bind_ports: input.network?.tcp_bind,
    max_memory_mb: input.limits?.address_space_mb,
    max_cpu_seconds: input.limits?.cpu_seconds,
    max_open_files: input.limits?.open_files,
    max_processes: input.limits?.processes,
    max_file_size_mb: input.limits?.file_size_mb,
    kill_on_violation: input.seccomp_action === undefined ? undefined : input.seccomp_action === "kill",
    require_landlock: input.landlock === undefined ? undefined : input.landlock === "required",
  });
}
