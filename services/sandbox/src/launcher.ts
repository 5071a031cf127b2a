import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";

/**
 * Where the native launcher is: `IRON_SANDBOX_BIN` if set, else the `iron-sandbox`
 * that `npm run build` leaves at the package root (one level above src/ and dist/).
 */
export function launcherPath(): string {
  const path = process.env.IRON_SANDBOX_BIN ?? fileURLToPath(new URL("../iron-sandbox", import.meta.url));
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`the sandbox launcher ${path} is missing or not executable: run \`npm run build -w services/sandbox\` or set IRON_SANDBOX_BIN`);
  }
  return path;
}

/** `iron-sandbox --probe`: stable keys, documented in the README. */
export const ProbeSchema = z.object({
  kernel: z.string(),
  arch: z.string(),
  landlock_abi: z.number().int().nonnegative(),
  seccomp: z.boolean(),
  libseccomp: z.string(),
  libseccomp_api: z.number().int(),
  launcher: z.string(),
  ok: z.boolean(),
});
export type Probe = z.infer<typeof ProbeSchema>;

/** What this kernel and libseccomp offer. `ok` is false on a node that cannot carry the sandbox. */
export async function probe(launcher = launcherPath()): Promise<Probe> {
  const out = await promisify(execFile)(launcher, ["--probe"]).catch((err: { stdout?: string }) => {
    if (err.stdout) return { stdout: err.stdout }; // exit 1 still prints the facts
    throw err;
  });
  return ProbeSchema.parse(JSON.parse(out.stdout));
}
