/**
 * The sandbox nodes pass their probe (`iron-sandbox --probe`: Landlock,
 * seccomp, libseccomp). On the docker target the nodes are containers on this
 * host and the probe runs inside each; elsewhere the nodes are out of reach
 * from here, and the check says what to run on a node.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Target } from "../../infra/config.js";
import type { Check } from "../preflight/checks.js";

const REQUIRED = "iron-sandbox --probe reports ok (Landlock ABI ≥ 1, seccomp, libseccomp ≥ 2.5)";

/** The container names in the docker target's summary lines ("docker container <name> (this host's kernel)"). */
export function dockerNodeNames(summary: string[]): string[] {
  return summary.map((line) => /^docker container (\S+)/.exec(line)?.[1]).filter((n): n is string => !!n);
}

export async function sandboxChecks(target: Target, summary: string[]): Promise<Check[]> {
  if (target !== "docker") {
    const how = target === "aws"
      ? "open a shell on a node (aws ssm start-session --target <instance-id>) and run: iron-sandbox --probe; the bootstrap's result is in /var/lib/iron-sandbox/status.json"
      : "on a node (kubectl exec into a sandbox pod): iron-sandbox --probe";
    return [{ id: "sandbox", title: "sandbox nodes", status: "warn", found: `cannot check from here (${target} nodes: ${summary.join("; ") || "none listed"})`, required: REQUIRED, hint: how }];
  }
  const names = dockerNodeNames(summary);
  if (names.length === 0) return [{ id: "sandbox", title: "sandbox nodes", status: "fail", found: "the outputs list no sandbox container", required: REQUIRED, hint: "pulumi stack output sandboxNodes should list them; run pulumi up" }];
  return Promise.all(names.map((name) => probeContainer(name)));
}

async function probeContainer(name: string): Promise<Check> {
  const title = `sandbox node ${name}`;
  try {
    const { stdout } = await promisify(execFile)("docker", ["exec", name, "iron-sandbox", "--probe"], { timeout: 30_000 });
    return { id: "sandbox", title, status: "ok", found: summarizeProbe(stdout), required: REQUIRED };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === "ENOENT") return { id: "sandbox", title, status: "fail", found: "the docker CLI is not on PATH", required: REQUIRED, hint: "run postflight on the Docker host, with the docker CLI installed" };
    const found = e.stdout?.trim() ? summarizeProbe(e.stdout) : (e.stderr ?? e.message).trim();
    return { id: "sandbox", title, status: "fail", found, required: REQUIRED, hint: `the node cannot sandbox: docker logs ${name}; the host kernel needs Landlock and seccomp, and the container the seccomp profile services/sandbox/docker/seccomp.json (npm run preflight -- --stack <stack>)` };
  }
}

function summarizeProbe(stdout: string): string {
  try {
    const p = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Record<string, unknown>;
    return `ok ${String(p.ok)}: kernel ${String(p.kernel)}, Landlock ABI ${String(p.landlock_abi)}, seccomp ${String(p.seccomp)}, libseccomp ${String(p.libseccomp)}`;
  } catch {
    return stdout.trim().slice(0, 200);
  }
}
