/**
 * What postflight checks: a stack's outputs, as `pulumi stack output --json
 * --show-secrets` prints them (infra/index.ts exports them), read from that
 * command or from a file holding its output.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { z } from "zod";
import { PACKAGE_IDS } from "../../infra/catalog.js";
import { TARGETS } from "../../infra/config.js";

const url = z.url({ protocol: /^https?$/ });

export const StackOutputs = z.object({
  strategy: z.string(),
  target: z.enum(TARGETS),
  mode: z.string(),
  packages: z.array(z.enum(PACKAGE_IDS)),
  controlPanelUrl: url.nullish(),
  siteUrl: url.nullish(),
  downloadsUrl: url.nullish(),
  runtimeUrl: url.nullish(),
  sandboxNodes: z.array(z.string()).default([]),
  adminEmail: z.string().nullish(),
  adminPassword: z.string().nullish(),
});
export type StackOutputs = z.infer<typeof StackOutputs>;

export class OutputsError extends Error {}

/** From `--outputs <file>`, else from `pulumi stack output --json --show-secrets --stack <stack>` run in `cwd`. */
export async function readOutputs(stack: string, cwd: string, file?: string): Promise<StackOutputs> {
  const source = file ? `--outputs ${file}` : `pulumi stack output --json --show-secrets --stack ${stack}`;
  let text: string;
  try {
    text = file ? await readFile(file, "utf8") : (await promisify(execFile)("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { cwd, maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT" && !file) throw new OutputsError(`the pulumi CLI is not on PATH; install it, or save the outputs elsewhere and pass --outputs <file>`);
    throw new OutputsError(`cannot read the stack's outputs (${source}): ${(e.stderr || e.message).trim()}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OutputsError(`${source} is not JSON: ${(err as Error).message}`);
  }
  const parsed = StackOutputs.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new OutputsError(`${source} does not hold the outputs of this kit's program (${problems}); has the stack been deployed with pulumi up?`);
  }
  return parsed.data;
}
