export {
  SandboxPolicySchema,
  PolicyInputSchema,
  NetworkSchema,
  LimitsSchema,
  ProfileNameSchema,
  type SandboxPolicy,
  type PolicyInput,
  type ProfileName,
} from "./policy.js";
export { PROFILES, MINIMAL, STANDARD, STRICT, resolvePolicy } from "./profiles.js";
export { PythonSandboxConfigSchema, fromPythonConfig, toPythonConfig, type PythonSandboxConfig } from "./python-config.js";
export { launcherPath, probe, ProbeSchema, type Probe } from "./launcher.js";
export { runSandboxed, type RunOptions, type SandboxResult } from "./run.js";
export { LauncherStatusSchema, type LauncherStatus } from "./status.js";
export type { LimitHit } from "./limit-hit.js";
