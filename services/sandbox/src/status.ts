import { z } from "zod";

/** The JSON line the launcher writes to `--status-fd`. */
export const LauncherStatusSchema = z.discriminatedUnion("started", [
  z.object({
    started: z.literal(false),
    stage: z.enum(["policy", "prepare", "limits", "privileges", "landlock", "seccomp", "exec"]),
    error: z.string(),
    exit_code: z.number().int(),
    landlock_abi: z.number().int(),
    unenforced: z.array(z.string()),
    workdir: z.string().nullable(),
  }),
  z.object({
    started: z.literal(true),
    exit_code: z.number().int().nullable(),
    signal: z.string().nullable(),
    limit: z.enum(["cpu", "file_size"]).nullable(),
    cpu_ms: z.number().int(),
    max_rss_kb: z.number().int(),
    landlock_abi: z.number().int(),
    unenforced: z.array(z.string()),
    workdir: z.string().nullable(),
  }),
]);
export type LauncherStatus = z.infer<typeof LauncherStatusSchema>;
